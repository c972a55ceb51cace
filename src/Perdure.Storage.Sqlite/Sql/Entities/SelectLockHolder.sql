-- Reads whether an entity row exists and who holds its lock (nulls when unlocked); nothing when there is no row.
-- Tables: Entities (read).
-- Invariant: run inside the writer's transaction by a purge, so the answer holds until the delete.
SELECT LockHolderInstanceId, LockHolderExecutionId, LockHolderTaskId
FROM Entities
WHERE TaskHub = @TaskHub AND EntityId = @EntityId;
