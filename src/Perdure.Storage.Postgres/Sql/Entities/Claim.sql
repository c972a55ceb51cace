-- Claims up to @MaxCount entities, those claimable longest first: sets each one's lease, clears its back-off, and
-- returns the claimed rows. The first statement of the entity claim batch (ClaimedStates.sql and ClaimedMessages.sql
-- follow in the same round trip).
-- Tables: Entities (locked FOR UPDATE SKIP LOCKED, then updated).
-- Invariants: rows another transaction is claiming, committing or sending to are skipped, not waited for, so concurrent
-- workers never claim the same entity and never queue behind each other; after the row lock PostgreSQL re-checks
-- AvailableAt <= @Now on the newest row version. AvailableAt <= @Now means a visible message the entity may serve (a
-- locked entity counts only its lock holder's messages), no live lease and no back-off. While leased, AvailableAt is
-- the lease expiration, after which another worker may take the entity over.
-- Columns: EntityId, LastModifiedAt, LockHolderInstanceId, LockHolderExecutionId, LockHolderTaskId.
WITH candidates AS (
    SELECT EntityId
    FROM Entities
    WHERE TaskHub = @TaskHub AND AvailableAt <= @Now
    ORDER BY AvailableAt
    LIMIT @MaxCount
    FOR UPDATE SKIP LOCKED)
UPDATE Entities AS e
SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, NotBefore = NULL
FROM candidates AS c
WHERE e.TaskHub = @TaskHub AND e.EntityId = c.EntityId
RETURNING e.EntityId, e.LastModifiedAt, e.LockHolderInstanceId, e.LockHolderExecutionId, e.LockHolderTaskId;
