-- Reads whether an entity row exists and who holds its lock (nulls when unlocked), and locks the row; nothing when
-- there is no row.
-- Tables: Entities (row lock).
-- Invariant: run by a purge before its delete; the lock keeps the answer true until then (a batch commit or a lock
-- request of the entity waits).
SELECT LockHolderInstanceId, LockHolderExecutionId, LockHolderTaskId
FROM Entities
WHERE TaskHub = @TaskHub AND EntityId = @EntityId
FOR UPDATE;
