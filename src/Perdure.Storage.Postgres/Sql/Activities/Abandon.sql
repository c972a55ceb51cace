-- Releases a claimed activity task; it becomes claimable again at @AvailableAt.
-- Tables: ActivityTasks.
-- Invariant: lease checked as in Renew.sql; zero rows changed means the lease was lost.
UPDATE ActivityTasks
SET LockedBy = NULL, LockExpiration = NULL, AvailableAt = @AvailableAt
WHERE TaskId = @TaskId AND TaskHub = @TaskHub AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
