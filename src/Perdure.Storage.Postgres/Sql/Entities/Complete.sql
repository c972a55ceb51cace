-- The lease check and first write of an entity batch's commit: the row takes the lock holder after the batch and the
-- commit time, and the lease is released.
-- Tables: Entities.
-- Invariants: changes a row only if the stored lease is exactly the caller's; zero rows changed means the lease was
-- lost (taken over, or revoked by a purge or cleanup), and the caller rolls back. ReadyAt is recomputed by
-- RefreshReadyAt.sql as the commit's last write (or the row deleted by DeleteIfEmpty.sql), after the inbox changed.
UPDATE Entities
SET LockHolderInstanceId = @LockHolderInstanceId,
    LockHolderExecutionId = @LockHolderExecutionId,
    LockHolderTaskId = @LockHolderTaskId,
    LastModifiedAt = @Now,
    LockedBy = NULL,
    LockExpiration = NULL
WHERE TaskHub = @TaskHub AND EntityId = @EntityId AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
