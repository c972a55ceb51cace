-- Releases a claimed entity without other changes; it becomes claimable again at @NotBefore (null: at once).
-- Tables: Entities.
-- Invariants: lease checked as in Renew.sql; zero rows changed means the lease was lost. ReadyAt stays: the inbox did
-- not change.
UPDATE Entities
SET LockedBy = NULL, LockExpiration = NULL, NotBefore = @NotBefore
WHERE TaskHub = @TaskHub AND EntityId = @EntityId AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
