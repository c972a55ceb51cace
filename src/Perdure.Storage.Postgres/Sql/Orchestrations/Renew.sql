-- Replaces the lease of a claimed instance with a later expiration.
-- Tables: Instances.
-- Invariant: changes a row only if the stored lease is exactly the caller's (holder and expiration); zero rows changed
-- means the lease was lost and the caller throws WorkItemLockLostException.
UPDATE Instances
SET LockExpiration = @NewLockExpiration
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
