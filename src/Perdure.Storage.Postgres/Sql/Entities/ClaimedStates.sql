-- Reads the state and the inbox size of the entities the claim batch's first statement (Claim.sql) leased.
-- Tables: Entities (read, through Entities_Available), EntityStates (read), EntityMessages (read, the count).
-- Invariants: runs after Claim.sql in the same transaction with a snapshot of its own, taken while the claim holds the
-- row locks, so no commit of these entities is in flight. The lease names the claimed rows: a leased row's AvailableAt
-- is its LockExpiration (its message was visible, the back-off cleared, the lease positive), so they are found by an
-- equality seek on Entities_Available; a row of an earlier claim with an equal lease may come back too, and the caller
-- keeps only the ids Claim.sql returned. The count is every inbox message, scheduled ones included.
SELECT e.EntityId, s.State,
    (SELECT count(*) FROM EntityMessages AS m WHERE m.TaskHub = e.TaskHub AND m.EntityId = e.EntityId)
FROM Entities AS e
LEFT JOIN EntityStates AS s ON s.TaskHub = e.TaskHub AND s.EntityId = e.EntityId
WHERE e.TaskHub = @TaskHub AND e.AvailableAt = @LockExpiration AND e.LockedBy = @LockedBy AND e.LockExpiration = @LockExpiration;
