-- Replaces the lease of a claimed activity task with a later expiration.
-- Tables: ActivityTasks.
-- Invariant: changes a row only if the stored lease is exactly the caller's; zero rows changed means the lease was lost.
UPDATE ActivityTasks
SET LockExpiration = @NewLockExpiration, AvailableAt = @NewLockExpiration
WHERE TaskId = @TaskId AND TaskHub = @TaskHub AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
