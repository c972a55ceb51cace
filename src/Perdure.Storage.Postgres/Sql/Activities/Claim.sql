-- Claims up to @MaxCount activity tasks, those claimable longest first, sets their lease and returns each with its
-- TaskScheduled event, in one statement.
-- Tables: ActivityTasks (locked FOR UPDATE SKIP LOCKED, then updated), ActivityTaskEvents (read).
-- Invariants: tasks another transaction holds are skipped, not waited for; AvailableAt <= @Now (re-checked after the
-- row lock) means no live lease and no back-off. While leased, AvailableAt is the lease expiration, after which another
-- worker may take a task over. Returns the claimed tasks (in no set order), or nothing.
WITH candidates AS (
    SELECT TaskId
    FROM ActivityTasks
    WHERE TaskHub = @TaskHub AND AvailableAt <= @Now
    ORDER BY AvailableAt
    LIMIT @MaxCount
    FOR UPDATE SKIP LOCKED)
UPDATE ActivityTasks AS t
SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, AvailableAt = @LockExpiration
FROM candidates AS c
WHERE t.TaskId = c.TaskId AND t.TaskHub = @TaskHub
RETURNING t.TaskId, t.InstanceId, t.ExecutionId,
    (SELECT e.Event FROM ActivityTaskEvents AS e WHERE e.TaskId = t.TaskId);
