-- Enqueues one activity call of a step, claimable at once, and returns its TaskId.
-- Tables: ActivityTasks.
-- Invariant: the calling instance exists (it is the one being checkpointed); the call itself goes to
-- ActivityTaskEvents next, in the same transaction.
INSERT INTO ActivityTasks (TaskHub, InstanceId, ExecutionId, Name, AvailableAt)
VALUES (@TaskHub, @InstanceId, @ExecutionId, @Name, @Now)
RETURNING TaskId;
