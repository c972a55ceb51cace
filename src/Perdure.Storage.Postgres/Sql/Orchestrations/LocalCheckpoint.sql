-- The first write of a local step (run ahead on a worker's cached runtime right after one of its activities): the
-- instance row takes the step's outcome, if the instance is still exactly as the step assumed.
-- Tables: Instances.
-- Invariants: changes a row only if the instance is still at the execution and history length the step ran against,
-- Running, neither leased (an expired lease counts as none) nor backing off, and has no visible message waiting (so
-- messages are still applied in arrival order). Zero rows changed means the step is not written, and the caller puts
-- the activity result into the inbox instead (which updates this row too, so waiting here for a row another transaction
-- holds costs nothing the fallback would not). Otherwise as Checkpoint.sql.
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
  AND HistoryLength = @PreviousHistoryLength AND Status = @RunningStatus
  AND (LockExpiration IS NULL OR LockExpiration <= @Now) AND (NotBefore IS NULL OR NotBefore <= @Now)
  AND (ReadyAt IS NULL OR ReadyAt > @Now);
