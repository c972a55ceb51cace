-- Enqueues one activity call of a step and returns its TaskId: claimable at once (@LockedBy null, @AvailableAt now), or
-- leased to the worker that made the step (@LockedBy, @LockExpiration, and @AvailableAt the lease expiration).
-- Tables: ActivityTasks.
-- Invariant: the calling instance exists (it is the one being checkpointed); the call itself goes to
-- ActivityTaskEvents next, in the same savepoint.
INSERT INTO ActivityTasks (TaskHub, InstanceId, ExecutionId, Name, LockedBy, LockExpiration, AvailableAt)
VALUES (@TaskHub, @InstanceId, @ExecutionId, @Name, @LockedBy, @LockExpiration, @AvailableAt)
RETURNING TaskId;
