-- Claims up to @MaxCount orchestration instances, those claimable longest first: sets each one's lease, clears its
-- back-off, and returns the claimed rows. The first statement of the claim batch (ClaimedPayloads.sql and
-- ClaimedMessages.sql follow in the same round trip).
-- Tables: Instances (locked FOR UPDATE SKIP LOCKED, then updated).
-- Invariants: rows another transaction is claiming or checkpointing are skipped, not waited for, so concurrent workers
-- never claim the same instance and never queue behind each other; after the row lock PostgreSQL re-checks
-- AvailableAt <= @Now on the newest row version, so a lease taken by a transaction that committed meanwhile is seen.
-- AvailableAt <= @Now means a visible claimable message, no live lease and no back-off.
-- Columns: the instance row in InstanceRow order (HistoryLength at 16).
WITH candidates AS (
    SELECT InstanceId
    FROM Instances
    WHERE TaskHub = @TaskHub AND AvailableAt <= @Now
    ORDER BY AvailableAt
    LIMIT @MaxCount
    FOR UPDATE SKIP LOCKED)
UPDATE Instances AS i
SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, NotBefore = NULL
FROM candidates AS c
WHERE i.TaskHub = @TaskHub AND i.InstanceId = c.InstanceId
RETURNING i.InstanceId, i.ExecutionId, i.Name, i.Version, i.Status, i.CreatedAt, i.LastUpdatedAt, i.CompletedAt,
    i.ScheduledStartAt, i.Tags, i.ParentName, i.ParentInstanceId, i.ParentExecutionId, i.ParentTaskScheduledId,
    i.TraceParent, i.Failure, i.HistoryLength;
