-- Reads the visible inbox messages of the instances the claim batch's first statement (Claim.sql) leased, each inbox in
-- arrival order.
-- Tables: Instances (read, through Instances_Available), Messages (read, through Messages_Inbox).
-- Invariants: runs after Claim.sql in the same transaction with a snapshot of its own, so a message whose sender
-- committed before the claim took the row lock is delivered now, not by a later claim. Messages of a suspended instance
-- are all returned (the engine holds the ones it may not apply yet). The lease names the claimed rows, as in
-- ClaimedPayloads.sql (and found through Instances_Available as there); the caller keeps only the ids Claim.sql
-- returned.
SELECT m.InstanceId, m.MessageId, m.ExecutionId, m.VisibleAt, m.Event
FROM Instances AS i
JOIN Messages AS m ON m.TaskHub = i.TaskHub AND m.InstanceId = i.InstanceId
WHERE i.TaskHub = @TaskHub AND i.AvailableAt = @LockExpiration AND i.LockedBy = @LockedBy AND i.LockExpiration = @LockExpiration AND m.VisibleAt <= @Now
ORDER BY m.InstanceId, m.MessageId;
