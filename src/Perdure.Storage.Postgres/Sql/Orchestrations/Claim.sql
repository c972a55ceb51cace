-- Claims up to @MaxCount orchestration instances, those claimable longest first: sets each one's lease, clears its
-- back-off, and returns it with its payloads and its visible inbox messages, all in one statement (one round trip).
-- Tables: Instances (locked FOR UPDATE SKIP LOCKED, then updated), InstancePayloads (read), Messages (read).
-- Invariants: rows another transaction is claiming or checkpointing are skipped, not waited for, so concurrent workers
-- never claim the same instance and never queue behind each other; after the row lock PostgreSQL re-checks
-- AvailableAt <= @Now on the newest row version, so a lease taken by a transaction that committed meanwhile is seen.
-- AvailableAt <= @Now means a visible claimable message, no live lease and no back-off. Messages come as parallel
-- arrays in MessageId (arrival) order; a suspended instance's held messages are included (the engine holds them).
-- Columns: the instance row in InstanceRow order (HistoryLength at 16), Input, Output, CustomStatus, then MessageIds,
-- MessageExecutionIds, MessageVisibleAts, MessageEvents.
WITH candidates AS (
    SELECT InstanceId
    FROM Instances
    WHERE TaskHub = @TaskHub AND AvailableAt <= @Now
    ORDER BY AvailableAt
    LIMIT @MaxCount
    FOR UPDATE SKIP LOCKED),
claimed AS (
    UPDATE Instances AS i
    SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, NotBefore = NULL
    FROM candidates AS c
    WHERE i.TaskHub = @TaskHub AND i.InstanceId = c.InstanceId
    RETURNING i.InstanceId, i.ExecutionId, i.Name, i.Version, i.Status, i.CreatedAt, i.LastUpdatedAt, i.CompletedAt,
        i.ScheduledStartAt, i.Tags, i.ParentName, i.ParentInstanceId, i.ParentExecutionId, i.ParentTaskScheduledId,
        i.TraceParent, i.Failure, i.HistoryLength)
SELECT c.InstanceId, c.ExecutionId, c.Name, c.Version, c.Status, c.CreatedAt, c.LastUpdatedAt, c.CompletedAt,
    c.ScheduledStartAt, c.Tags, c.ParentName, c.ParentInstanceId, c.ParentExecutionId, c.ParentTaskScheduledId,
    c.TraceParent, c.Failure, c.HistoryLength,
    p.Input, p.Output, p.CustomStatus,
    m.Ids, m.ExecutionIds, m.VisibleAts, m.Events
FROM claimed AS c
LEFT JOIN InstancePayloads AS p ON p.TaskHub = @TaskHub AND p.InstanceId = c.InstanceId
CROSS JOIN LATERAL (
    SELECT array_agg(x.MessageId ORDER BY x.MessageId) AS Ids,
        array_agg(x.ExecutionId ORDER BY x.MessageId) AS ExecutionIds,
        array_agg(x.VisibleAt ORDER BY x.MessageId) AS VisibleAts,
        array_agg(x.Event ORDER BY x.MessageId) AS Events
    FROM Messages AS x
    WHERE x.TaskHub = @TaskHub AND x.InstanceId = c.InstanceId AND x.VisibleAt <= @Now) AS m;
