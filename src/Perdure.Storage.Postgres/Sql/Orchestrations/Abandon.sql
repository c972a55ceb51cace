-- Releases a claimed instance without other changes; its messages become claimable again at @NotBefore (null: at
-- once). StepWorker is cleared: the worker that gives a step up keeps no runtime of it.
-- Tables: Messages (read), Instances.
-- Invariants: lease checked as in Renew.sql; zero rows changed means the lease was lost. A terminate request (event
-- type 2) in the inbox overrides the back-off, so a terminate that arrived during the claim never waits one out. The
-- caller locks the row in an earlier statement of the same transaction, so the EXISTS below reads a snapshot taken
-- after any terminate that held the row committed (Messages/Wake clears NotBefore for one that comes later).
UPDATE Instances
SET LockedBy = NULL, LockExpiration = NULL, StepWorker = NULL,
    NotBefore = CASE
        WHEN EXISTS (SELECT 1 FROM Messages AS m
                     WHERE m.TaskHub = Instances.TaskHub AND m.InstanceId = Instances.InstanceId AND m.EventType = 2)
        THEN NULL
        ELSE @NotBefore END
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
