-- Releases a claimed instance without other changes; its messages become claimable again at @NotBefore (null: at once).
-- Tables: Instances.
-- Invariant: lease checked as in Renew.sql; zero rows changed means the lease was lost.
UPDATE Instances
SET LockedBy = NULL, LockExpiration = NULL, NotBefore = @NotBefore
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
