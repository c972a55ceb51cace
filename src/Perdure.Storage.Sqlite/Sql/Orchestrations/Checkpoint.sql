-- The first write of a step's checkpoint: the instance row takes the step's state and the lease is released.
-- Tables: Instances.
-- Invariants: changes a row only if the lease is exactly the caller's and the execution is the one the step ran
-- against; zero rows changed means the lease was lost, and the caller writes nothing else. InstanceId and CreatedAt are
-- the store's and never change; ExecutionId changes only on continue-as-new (@NextExecutionId).
UPDATE Instances
SET ExecutionId = @NextExecutionId,
    Name = @Name,
    Version = @Version,
    Status = @Status,
    LastUpdatedAt = @Now,
    CompletedAt = @CompletedAt,
    ScheduledStartAt = @ScheduledStartAt,
    Tags = @Tags,
    ParentName = @ParentName,
    ParentInstanceId = @ParentInstanceId,
    ParentExecutionId = @ParentExecutionId,
    ParentTaskScheduledId = @ParentTaskScheduledId,
    TraceParent = @TraceParent,
    Failure = @Failure,
    HistoryLength = @HistoryLength,
    LockedBy = NULL,
    LockExpiration = NULL
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId
  AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration AND ExecutionId = @ExecutionId;
