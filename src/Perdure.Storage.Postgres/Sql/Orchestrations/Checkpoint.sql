-- The first write of a claimed step's checkpoint: the instance row takes the step's outcome and the lease is released.
-- Tables: Instances.
-- Invariants: changes a row only if the execution is the one the step ran against and the lease is exactly the
-- caller's. Zero rows changed means the lease was lost, and the caller rolls back. InstanceId and CreatedAt are the
-- store's and never change; ExecutionId changes only on continue-as-new (@NextExecutionId). The columns a step rarely
-- changes (name, version, tags, parent, trace) are written by UpdateDefinition.sql, only when they changed. StepWorker
-- records who ran the step (see 0003_StepWorker.sql). LocalCheckpoint.sql is the same write for a local step.
UPDATE Instances
SET ExecutionId = @NextExecutionId,
    Status = @Status,
    LastUpdatedAt = @Now,
    CompletedAt = @CompletedAt,
    Failure = @Failure,
    HistoryLength = @HistoryLength,
    LockedBy = NULL,
    LockExpiration = NULL,
    StepWorker = @StepWorker
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId AND ExecutionId = @ExecutionId
  AND LockedBy = @LockedBy AND LockExpiration = @LockExpiration;
