-- The first write of a step's checkpoint: the instance row takes the step's outcome and the lease is released.
-- Tables: Instances.
-- Invariants: changes a row only if the execution is the one the step ran against and, for a claimed step (@LockedBy
-- set), the lease is exactly the caller's; for a local step (@LockedBy null: run ahead on a worker's cached state), the
-- instance must still be at the history length the step ran against, Running, neither leased (an expired lease counts
-- as none) nor backing off, and have no visible message waiting (so messages are still applied in arrival order). Zero
-- rows changed means the step may not commit, and the caller writes nothing else. InstanceId and CreatedAt are the
-- store's and never change; ExecutionId changes only on continue-as-new (@NextExecutionId). The columns a step rarely
-- changes (name, version, tags, parent, trace) are written by UpdateDefinition.sql, only when they changed. StepWorker
-- records who ran the step (see 0003_StepWorker.sql).
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
  AND CASE WHEN @LockedBy IS NOT NULL
           THEN LockedBy = @LockedBy AND LockExpiration = @LockExpiration
           ELSE HistoryLength = @PreviousHistoryLength AND Status = @RunningStatus
                AND (LockExpiration IS NULL OR LockExpiration <= @Now) AND (NotBefore IS NULL OR NotBefore <= @Now)
                AND (ReadyAt IS NULL OR ReadyAt > @Now) END;
