-- 0003_StepWorker: which worker ran an instance's last step (issue 6, claims that carry history).
--
-- Released scripts are immutable. This one adds a nullable column, which PostgreSQL does without rewriting the table.
--
-- Instances.StepWorker is the worker id of the lease (or of the activity, for a step run locally after an activity)
-- under which the last step committed; that worker most likely keeps the instance's runtime in its cache. An abandon
-- clears it. A claim by any other worker reads the history in the same round trip (Orchestrations/ClaimedHistory.sql),
-- so a worker that takes over an instance another worker ran needs no second read; a claim by the same worker does not
-- read it again. The column is only a hint: a worker that evicted its copy reads the history as before.
ALTER TABLE Instances ADD COLUMN StepWorker text COLLATE "C";
