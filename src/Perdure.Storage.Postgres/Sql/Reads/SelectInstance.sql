-- Reads one instance without payloads.
-- Tables: Instances (read).
-- Invariant: one statement, so one consistent snapshot. Columns in InstanceRow order.
SELECT InstanceId, ExecutionId, Name, Version, Status, CreatedAt, LastUpdatedAt, CompletedAt, ScheduledStartAt, Tags,
    ParentName, ParentInstanceId, ParentExecutionId, ParentTaskScheduledId, TraceParent, Failure, HistoryLength
FROM Instances
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId;
