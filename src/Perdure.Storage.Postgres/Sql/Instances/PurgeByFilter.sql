-- Deletes every terminal instance of the hub that matches the filter and returns their ids; cascades as Delete.sql.
-- Tables: Instances, then by cascade InstancePayloads, History, Messages, ActivityTasks, ActivityTaskEvents.
-- Invariants: only Completed (1), Failed (3), Canceled (4) and Terminated (5) rows are deleted, whatever the filter
-- says; @Statuses is an array of status numbers or null; bounds are inclusive ticks or null.
DELETE FROM Instances
WHERE TaskHub = @TaskHub
  AND Status IN (1, 3, 4, 5)
  AND (@Statuses::integer[] IS NULL OR Status = ANY (@Statuses))
  AND (@CreatedFrom::bigint IS NULL OR CreatedAt >= @CreatedFrom)
  AND (@CreatedTo::bigint IS NULL OR CreatedAt <= @CreatedTo)
RETURNING InstanceId;
