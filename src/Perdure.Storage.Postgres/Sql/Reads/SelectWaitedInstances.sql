-- Reads the instances that waiters of this store must look at again, without payloads: one read for every waiter woken
-- at about the same time (a group's NOTIFY names many instances).
-- Tables: Instances (read).
-- Invariant: one statement, so one consistent snapshot. Columns in InstanceRow order; instances that do not exist are
-- simply absent.
SELECT InstanceId, ExecutionId, Name, Version, Status, CreatedAt, LastUpdatedAt, CompletedAt, ScheduledStartAt, Tags,
    ParentName, ParentInstanceId, ParentExecutionId, ParentTaskScheduledId, TraceParent, Failure, HistoryLength
FROM Instances
WHERE TaskHub = @TaskHub AND InstanceId = ANY(@InstanceIds);
