-- Reads one page of the hub's instances that match a filter, in ordinal instance id order, without payloads.
-- Tables: Instances (read, through Instances_Key).
-- Invariants: @After is the last id of the previous page ('' for the first); @Prefix is '' for no prefix; @Statuses is
-- a JSON array of status numbers or null; bounds are inclusive ticks or null; names compare with PERDURE_NOCASE
-- (ordinal ignoring case, registered on reader connections). The caller asks for one row more than a page to know
-- whether another page follows.
SELECT InstanceId, ExecutionId, Name, Version, Status, CreatedAt, LastUpdatedAt, CompletedAt, ScheduledStartAt, Tags,
    ParentName, ParentInstanceId, ParentExecutionId, ParentTaskScheduledId, TraceParent, Failure, HistoryLength
FROM Instances
WHERE TaskHub = @TaskHub
  AND InstanceId > @After
  AND InstanceId >= @Prefix AND substr(InstanceId, 1, length(@Prefix)) = @Prefix
  AND (@Statuses IS NULL OR Status IN (SELECT value FROM json_each(@Statuses)))
  AND (@CreatedFrom IS NULL OR CreatedAt >= @CreatedFrom)
  AND (@CreatedTo IS NULL OR CreatedAt <= @CreatedTo)
  AND (@CompletedFrom IS NULL OR CompletedAt >= @CompletedFrom)
  AND (@CompletedTo IS NULL OR CompletedAt <= @CompletedTo)
  AND (@Name IS NULL OR Name = @Name COLLATE PERDURE_NOCASE)
ORDER BY InstanceId
LIMIT @Limit;
