-- Reads instances by id, without payloads: one (GetInstanceAsync) or all those whose waiters must read at about the same
-- time (PostgresStore.WaiterReads.cs; a group's NOTIFY names many instances).
-- Tables: Instances (read).
-- Invariant: one statement, so one consistent snapshot. Columns in InstanceRow order; instances that do not exist are
-- simply absent.
SELECT InstanceId, ExecutionId, Name, Version, Status, CreatedAt, LastUpdatedAt, CompletedAt, ScheduledStartAt, Tags,
    ParentName, ParentInstanceId, ParentExecutionId, ParentTaskScheduledId, TraceParent, Failure, HistoryLength
FROM Instances
WHERE TaskHub = @TaskHub AND InstanceId = ANY(@InstanceIds);
