-- Reads the visible inbox messages of the entities the claim batch's first statement (Claim.sql) leased, each inbox in
-- arrival order.
-- Tables: Entities (read, through Entities_Available), EntityMessages (read, through EntityMessages_Inbox).
-- Invariants: as ClaimedStates.sql. Every visible message is returned, also those a locked entity may not serve yet:
-- the engine picks the batch; messages not yet visible are left out.
SELECT m.EntityId, m.MessageId, m.VisibleAt, m.Message
FROM Entities AS e
JOIN EntityMessages AS m ON m.TaskHub = e.TaskHub AND m.EntityId = e.EntityId
WHERE e.TaskHub = @TaskHub AND e.AvailableAt = @LockExpiration AND e.LockedBy = @LockedBy AND e.LockExpiration = @LockExpiration
  AND m.VisibleAt <= @Now
ORDER BY m.EntityId, m.MessageId;
