-- Deletes every instance of the task hub; the foreign keys cascade to everything else the hub owns.
-- Tables: Instances, then by cascade InstancePayloads, History, Messages, ActivityTasks, ActivityTaskEvents.
-- Invariant: other task hubs in the file are untouched (every row of the hub hangs off one of its instances).
DELETE FROM Instances WHERE TaskHub = @TaskHub;
