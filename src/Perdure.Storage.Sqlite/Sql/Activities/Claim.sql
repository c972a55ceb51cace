-- Claims up to @MaxCount activity tasks, those claimable longest first, sets their lease and returns each with its
-- TaskScheduled event.
-- Tables: ActivityTasks, ActivityTaskEvents (read).
-- Invariants: runs in the writer's BEGIN IMMEDIATE transaction, so no other connection or process claims them between
-- the choice and the update; AvailableAt <= @Now means no live lease and no back-off. While leased, AvailableAt is the
-- lease expiration, after which another worker may take a task over. Returns the claimed tasks (in no set order), or
-- nothing.
UPDATE ActivityTasks
SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, AvailableAt = @LockExpiration
WHERE TaskId IN (
    SELECT TaskId FROM ActivityTasks
    WHERE TaskHub = @TaskHub AND AvailableAt <= @Now
    ORDER BY AvailableAt
    LIMIT @MaxCount)
RETURNING TaskId, InstanceId, ExecutionId,
    (SELECT e.Event FROM ActivityTaskEvents AS e WHERE e.TaskId = ActivityTasks.TaskId);
