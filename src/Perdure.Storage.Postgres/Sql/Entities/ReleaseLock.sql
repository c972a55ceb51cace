-- Releases an orphaned lock: clears the lock holder and revokes any lease, so a batch in flight cannot commit.
-- Tables: Entities.
-- Invariant: the caller locked the row and found the lock orphaned in the same transaction (CleanupFlags.sql) and runs
-- DeleteIfEmpty.sql, then RefreshReadyAt.sql if the row stays, so the messages that waited become servable.
UPDATE Entities
SET LockHolderInstanceId = NULL, LockHolderExecutionId = NULL, LockHolderTaskId = NULL,
    LockedBy = NULL, LockExpiration = NULL, LastModifiedAt = @Now
WHERE TaskHub = @TaskHub AND EntityId = @EntityId;
