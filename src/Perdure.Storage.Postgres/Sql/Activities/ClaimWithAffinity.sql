-- Claim.sql with PostgresStoreOptions.ActivityAffinity: a task whose instance's last step ran on another worker
-- (Instances.StepWorker) is left to that worker until @OthersFrom (its AvailableAt plus the affinity has passed).
-- Tables: ActivityTasks (locked FOR UPDATE SKIP LOCKED, then updated), Instances (read), ActivityTaskEvents (read).
-- Invariants: as Claim.sql. A task of an instance without a step worker (none recorded, or cleared by an abandon), or
-- whose instance is gone, is anyone's at once.
WITH candidates AS (
    SELECT t.TaskId
    FROM ActivityTasks AS t
    WHERE t.TaskHub = @TaskHub AND t.AvailableAt <= @Now
      AND (t.AvailableAt <= @OthersFrom OR NOT EXISTS (
            SELECT 1 FROM Instances AS i
            WHERE i.TaskHub = t.TaskHub AND i.InstanceId = t.InstanceId
              AND i.StepWorker IS NOT NULL AND i.StepWorker <> @LockedBy))
    ORDER BY t.AvailableAt
    LIMIT @MaxCount
    FOR UPDATE OF t SKIP LOCKED)
UPDATE ActivityTasks AS t
SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, AvailableAt = @LockExpiration
FROM candidates AS c
WHERE t.TaskId = c.TaskId AND t.TaskHub = @TaskHub
RETURNING t.TaskId, t.InstanceId, t.ExecutionId,
    (SELECT e.Event FROM ActivityTaskEvents AS e WHERE e.TaskId = t.TaskId);
