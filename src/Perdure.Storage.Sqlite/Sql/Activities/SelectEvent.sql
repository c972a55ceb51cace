-- Reads the TaskScheduled event of an activity task.
-- Tables: ActivityTaskEvents (read).
-- Invariant: run in the same transaction as the claim it completes.
SELECT Event FROM ActivityTaskEvents WHERE TaskId = @TaskId;
