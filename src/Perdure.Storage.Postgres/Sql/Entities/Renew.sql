-- Replaces the lease of a claimed entity with a later expiration.
-- Tables: Entities.
-- Invariant: changes a row only if the stored lease is exactly the caller's (holder and expiration); zero rows changed
-- means the lease was lost (taken over, or revoked by a purge or cleanup) and the caller throws WorkItemLockLostException.
UPDATE Entities
SET LockExpiration = @NewLockExpiration
WHERE TaskHub = @TaskHub AND EntityId = @EntityId AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
