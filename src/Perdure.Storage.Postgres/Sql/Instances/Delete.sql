-- Deletes one instance row; the foreign keys cascade to its payloads, history, inbox and activity tasks.
-- Tables: Instances, then by cascade InstancePayloads, History, Messages, ActivityTasks, ActivityTaskEvents.
-- Invariant: the caller checked the status first (only terminal instances are replaced or purged).
DELETE FROM Instances WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId;
