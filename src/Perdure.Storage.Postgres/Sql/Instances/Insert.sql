-- Creates an instance row, Pending, with no lease and an empty history.
-- Tables: Instances.
-- Invariants: no row with the key exists (the caller deleted a replaced one); ReadyAt is the visibility of the
-- ExecutionStarted message inserted next in the same transaction, so the instance is claimable exactly when it is.
INSERT INTO Instances (
    TaskHub, InstanceId, ExecutionId, Name, Version, Status, CreatedAt, LastUpdatedAt, ScheduledStartAt, Tags,
    ParentName, ParentInstanceId, ParentExecutionId, ParentTaskScheduledId, TraceParent, HistoryLength, ReadyAt)
VALUES (
    @TaskHub, @InstanceId, @ExecutionId, @Name, @Version, @Status, @Now, @Now, @ScheduledStartAt, @Tags,
    @ParentName, @ParentInstanceId, @ParentExecutionId, @ParentTaskScheduledId, @TraceParent, 0, @ReadyAt);
