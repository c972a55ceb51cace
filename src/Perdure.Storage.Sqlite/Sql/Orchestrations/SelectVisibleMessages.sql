-- Reads the visible messages of an instance's inbox in arrival order.
-- Tables: Messages (read, through Messages_Inbox).
-- Invariant: run in the same transaction as the claim; messages of a suspended instance are all returned (the engine
-- holds the ones it may not apply yet).
SELECT MessageId, ExecutionId, VisibleAt, Event
FROM Messages
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId AND VisibleAt <= @Now
ORDER BY MessageId;
