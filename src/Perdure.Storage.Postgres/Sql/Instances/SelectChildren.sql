-- Lists the sub-orchestrations of an instance with their statuses.
-- Tables: Instances (read, through Instances_Parent).
-- Invariant: run inside the purge's transaction.
SELECT InstanceId, Status FROM Instances WHERE TaskHub = @TaskHub AND ParentInstanceId = @InstanceId;
