-- SelectInstances.sql with each instance's input, output and custom status, for when a waiter wants them.
-- Tables: Instances, InstancePayloads (read).
-- Invariant: one statement, so one consistent snapshot. Columns in InstanceRow order, then the three payloads.
SELECT i.InstanceId, i.ExecutionId, i.Name, i.Version, i.Status, i.CreatedAt, i.LastUpdatedAt, i.CompletedAt,
    i.ScheduledStartAt, i.Tags, i.ParentName, i.ParentInstanceId, i.ParentExecutionId, i.ParentTaskScheduledId,
    i.TraceParent, i.Failure, i.HistoryLength,
    p.Input, p.Output, p.CustomStatus
FROM Instances AS i
LEFT JOIN InstancePayloads AS p ON p.TaskHub = i.TaskHub AND p.InstanceId = i.InstanceId
WHERE i.TaskHub = @TaskHub AND i.InstanceId = ANY(@InstanceIds);
