-- Reads one entity row: lock holder, whether it has state (the state itself only when @IncludeState is 1) and how many
-- messages wait in its inbox.
-- Tables: Entities, EntityStates (read), EntityMessages (read, the count).
-- Invariant: one statement, so one consistent snapshot. Columns in EntityRow order.
SELECT e.EntityId, e.LastModifiedAt, e.LockHolderInstanceId, e.LockHolderExecutionId, e.LockHolderTaskId,
    s.EntityId IS NOT NULL,
    CASE WHEN @IncludeState = 1 THEN s.State END,
    (SELECT count(*) FROM EntityMessages AS m WHERE m.TaskHub = e.TaskHub AND m.EntityId = e.EntityId)
FROM Entities AS e
LEFT JOIN EntityStates AS s ON s.TaskHub = e.TaskHub AND s.EntityId = e.EntityId
WHERE e.TaskHub = @TaskHub AND e.EntityId = @EntityId;
