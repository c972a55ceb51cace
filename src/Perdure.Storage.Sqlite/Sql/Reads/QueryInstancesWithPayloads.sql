-- Reads one page of matching instances with their payloads; the filter is the one of QueryInstances.sql.
-- Tables: Instances (read, through Instances_Key), InstancePayloads (read).
-- Invariants: as QueryInstances.sql. Columns in InstanceRow order, then the three payloads.
SELECT i.InstanceId, i.ExecutionId, i.Name, i.Version, i.Status, i.CreatedAt, i.LastUpdatedAt, i.CompletedAt,
    i.ScheduledStartAt, i.Tags, i.ParentName, i.ParentInstanceId, i.ParentExecutionId, i.ParentTaskScheduledId,
    i.TraceParent, i.Failure, i.HistoryLength,
    p.Input, p.Output, p.CustomStatus
FROM Instances AS i
LEFT JOIN InstancePayloads AS p ON p.TaskHub = i.TaskHub AND p.InstanceId = i.InstanceId
WHERE i.TaskHub = @TaskHub
  AND i.InstanceId > @After
  AND i.InstanceId >= @Prefix AND substr(i.InstanceId, 1, length(@Prefix)) = @Prefix
  AND (@Statuses IS NULL OR i.Status IN (SELECT value FROM json_each(@Statuses)))
  AND (@CreatedFrom IS NULL OR i.CreatedAt >= @CreatedFrom)
  AND (@CreatedTo IS NULL OR i.CreatedAt <= @CreatedTo)
  AND (@CompletedFrom IS NULL OR i.CompletedAt >= @CompletedFrom)
  AND (@CompletedTo IS NULL OR i.CompletedAt <= @CompletedTo)
  AND (@Name IS NULL OR i.Name = @Name COLLATE PERDURE_NOCASE)
ORDER BY i.InstanceId
LIMIT @Limit;
