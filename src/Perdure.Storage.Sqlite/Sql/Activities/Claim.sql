-- Claims the activity task that has been claimable longest and sets its lease.
-- Tables: ActivityTasks.
-- Invariants: runs in the writer's BEGIN IMMEDIATE transaction, so no other connection or process claims it between
-- the choice and the update; AvailableAt <= @Now means no live lease and no back-off. While leased, AvailableAt is the
-- lease expiration, after which another worker may take the task over. Returns the task, or nothing.
UPDATE ActivityTasks
SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, AvailableAt = @LockExpiration
WHERE TaskId = (
    SELECT TaskId FROM ActivityTasks
    WHERE TaskHub = @TaskHub AND AvailableAt <= @Now
    ORDER BY AvailableAt
    LIMIT 1)
RETURNING TaskId, InstanceId, ExecutionId;
