-- SelectInstances.sql with each instance's input, output and custom status, for when a waiter wants them.
-- Tables: Instances, InstancePayloads (read).
-- Invariant: one statement, so one consistent snapshot. Columns in InstanceRow order, then the three payloads.
-- The payloads are looked up per instance: LATERAL with LIMIT 1, which the planner does not flatten back into a join,
-- so one primary key probe each. As a join, the planner sometimes read the whole hub's InstancePayloads index for a
-- batch of waiters (measured: about 1,500 rows read per W1 step with a worker process apart from the client, against
-- about 20), a cost that grows with the hub.
SELECT i.InstanceId, i.ExecutionId, i.Name, i.Version, i.Status, i.CreatedAt, i.LastUpdatedAt, i.CompletedAt,
    i.ScheduledStartAt, i.Tags, i.ParentName, i.ParentInstanceId, i.ParentExecutionId, i.ParentTaskScheduledId,
    i.TraceParent, i.Failure, i.HistoryLength,
    p.Input, p.Output, p.CustomStatus
FROM Instances AS i
LEFT JOIN LATERAL (
    SELECT pp.Input, pp.Output, pp.CustomStatus FROM InstancePayloads AS pp
    WHERE pp.TaskHub = i.TaskHub AND pp.InstanceId = i.InstanceId LIMIT 1) AS p ON true
WHERE i.TaskHub = @TaskHub AND i.InstanceId = ANY(@InstanceIds);
