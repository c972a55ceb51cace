-- Reads one page of the hub's instances that match a filter, in ordinal instance id order, without payloads.
-- Tables: Instances (read, through its primary key).
-- Invariants: @After is the last id of the previous page ('' for the first); @Prefix is '' for no prefix; @Statuses is
-- an array of status numbers or null; bounds are inclusive ticks or null; names compare ignoring case (upper() of both
-- sides). Ids compare in the column's "C" collation (ordinal). The caller asks for one row more than a page to know
-- whether another page follows. Columns in InstanceRow order.
SELECT i.InstanceId, i.ExecutionId, i.Name, i.Version, i.Status, i.CreatedAt, i.LastUpdatedAt, i.CompletedAt,
    i.ScheduledStartAt, i.Tags, i.ParentName, i.ParentInstanceId, i.ParentExecutionId, i.ParentTaskScheduledId,
    i.TraceParent, i.Failure, i.HistoryLength
FROM Instances AS i
WHERE i.TaskHub = @TaskHub
  AND i.InstanceId > @After
  AND i.InstanceId >= @Prefix AND starts_with(i.InstanceId, @Prefix)
  AND (@Statuses::integer[] IS NULL OR i.Status = ANY (@Statuses))
  AND (@CreatedFrom::bigint IS NULL OR i.CreatedAt >= @CreatedFrom)
  AND (@CreatedTo::bigint IS NULL OR i.CreatedAt <= @CreatedTo)
  AND (@CompletedFrom::bigint IS NULL OR i.CompletedAt >= @CompletedFrom)
  AND (@CompletedTo::bigint IS NULL OR i.CompletedAt <= @CompletedTo)
  AND (@Name::text IS NULL OR upper(i.Name) = upper(@Name))
ORDER BY i.InstanceId
LIMIT @Limit;
