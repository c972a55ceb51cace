-- Reads the status of one instance, or nothing if it does not exist.
-- Tables: Instances (read).
-- Invariant: run inside the writer's transaction, so the answer holds until that transaction ends.
SELECT Status FROM Instances WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId;
