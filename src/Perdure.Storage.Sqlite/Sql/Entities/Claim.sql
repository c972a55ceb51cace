-- Claims up to @MaxCount entities, those claimable longest first: sets their lease, clears their back-off, and returns
-- each row with its state and the size of its whole inbox.
-- Tables: Entities, EntityStates (read), EntityMessages (read, the count).
-- Invariants: runs in the writer's BEGIN IMMEDIATE transaction, so no other connection or process claims between the
-- choice and the update. AvailableAt <= @Now means a visible message the entity may serve, no live lease and no
-- back-off. While leased, AvailableAt is the lease expiration, after which another worker may take the entity over.
-- Returns the claimed rows (in no set order), or nothing.
UPDATE Entities
SET LockedBy = @LockedBy, LockExpiration = @LockExpiration, NotBefore = NULL
WHERE rowid IN (
    SELECT rowid FROM Entities
    WHERE TaskHub = @TaskHub AND AvailableAt <= @Now
    ORDER BY AvailableAt
    LIMIT @MaxCount)
RETURNING EntityId, LastModifiedAt, LockHolderInstanceId, LockHolderExecutionId, LockHolderTaskId,
    (SELECT s.State FROM EntityStates AS s WHERE s.TaskHub = Entities.TaskHub AND s.EntityId = Entities.EntityId),
    (SELECT count(*) FROM EntityMessages AS m WHERE m.TaskHub = Entities.TaskHub AND m.EntityId = Entities.EntityId);
