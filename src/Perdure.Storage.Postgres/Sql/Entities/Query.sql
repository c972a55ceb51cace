-- Reads one page of the hub's entities that match a filter, in ordinal entity id order.
-- Tables: Entities (read, through Entities_Key), EntityStates (read), EntityMessages (read, the counts).
-- Invariants: @After is the last id of the previous page ('' for the first); @Prefix is '' for no prefix (every id
-- starts with '@', so a prefix without it matches nothing); ids compare in the column's "C" collation (ordinal); rows
-- without state only when @IncludeTransient is 1; states only when @IncludeState is 1; last-modified bounds are inclusive ticks or
-- null. The caller asks for one row more than a page to know whether another page follows. Columns in EntityRow order.
SELECT e.EntityId, e.LastModifiedAt, e.LockHolderInstanceId, e.LockHolderExecutionId, e.LockHolderTaskId,
    s.EntityId IS NOT NULL,
    CASE WHEN @IncludeState = 1 THEN s.State END,
    (SELECT count(*) FROM EntityMessages AS m WHERE m.TaskHub = e.TaskHub AND m.EntityId = e.EntityId)
FROM Entities AS e
LEFT JOIN EntityStates AS s ON s.TaskHub = e.TaskHub AND s.EntityId = e.EntityId
WHERE e.TaskHub = @TaskHub
  AND e.EntityId > @After
  AND e.EntityId >= @Prefix AND starts_with(e.EntityId, @Prefix)
  AND (@IncludeTransient = 1 OR s.EntityId IS NOT NULL)
  AND (@LastModifiedFrom::bigint IS NULL OR e.LastModifiedAt >= @LastModifiedFrom)
  AND (@LastModifiedTo::bigint IS NULL OR e.LastModifiedAt <= @LastModifiedTo)
ORDER BY e.EntityId
LIMIT @Limit;
