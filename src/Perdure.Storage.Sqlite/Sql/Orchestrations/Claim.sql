-- Claims the orchestration instance that has been claimable longest: sets its lease and clears its back-off.
-- Tables: Instances.
-- Invariants: runs in the writer's BEGIN IMMEDIATE transaction, so no other connection or process claims between the
-- choice and the update. AvailableAt <= @Now means a visible claimable message, no live lease and no back-off.
-- Returns the instance row (columns in InstanceRow order), or nothing.
UPDATE Instances
SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, NotBefore = NULL
WHERE rowid = (
    SELECT rowid FROM Instances
    WHERE TaskHub = @TaskHub AND AvailableAt <= @Now
    ORDER BY AvailableAt
    LIMIT 1)
RETURNING InstanceId, ExecutionId, Name, Version, Status, CreatedAt, LastUpdatedAt, CompletedAt, ScheduledStartAt, Tags,
    ParentName, ParentInstanceId, ParentExecutionId, ParentTaskScheduledId, TraceParent, Failure, HistoryLength;
