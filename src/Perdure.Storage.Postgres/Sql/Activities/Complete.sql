-- Deletes a finished activity task (its event goes with it by cascade); the caller then delivers the result message.
-- Tables: ActivityTasks, then by cascade ActivityTaskEvents.
-- Invariant: deletes only if the stored lease is exactly the caller's; zero rows means the lease was lost, and the
-- caller writes nothing else.
DELETE FROM ActivityTasks
WHERE TaskId = @TaskId AND TaskHub = @TaskHub AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
