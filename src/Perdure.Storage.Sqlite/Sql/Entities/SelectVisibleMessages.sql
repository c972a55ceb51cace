-- Reads the visible messages of an entity's inbox in arrival order.
-- Tables: EntityMessages (read, through EntityMessages_Inbox).
-- Invariant: run in the same transaction as the claim. Every visible message is returned, also those a locked entity
-- may not serve yet: the engine picks the batch; messages not yet visible are left out.
SELECT MessageId, VisibleAt, Message
FROM EntityMessages
WHERE TaskHub = @TaskHub AND EntityId = @EntityId AND VisibleAt <= @Now
ORDER BY MessageId;
