-- Reads, for entity rows a cleanup has locked, whether each one's lock is orphaned and whether it is empty.
-- Tables: Entities (read), Instances (read), EntityStates (read), EntityMessages (read).
-- Invariants: runs after LockCleanupPage.sql, on a snapshot taken while the rows are locked. A lock is orphaned when no
-- instance is at the lock request's execution in status Running (0), Pending (6) or Suspended (7); an ended execution
-- never comes back, so the answer cannot turn false before commit. A row is empty when it has no state, no lock holder
-- and no message. Columns: EntityId, orphaned, empty.
SELECT e.EntityId,
    e.LockHolderInstanceId IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM Instances AS i
        WHERE i.TaskHub = e.TaskHub AND i.InstanceId = e.LockHolderInstanceId
          AND i.ExecutionId = e.LockHolderExecutionId AND i.Status IN (0, 6, 7)),
    e.LockHolderInstanceId IS NULL
      AND NOT EXISTS (SELECT 1 FROM EntityStates AS s WHERE s.TaskHub = e.TaskHub AND s.EntityId = e.EntityId)
      AND NOT EXISTS (SELECT 1 FROM EntityMessages AS m WHERE m.TaskHub = e.TaskHub AND m.EntityId = e.EntityId)
FROM Entities AS e
WHERE e.TaskHub = @TaskHub AND e.EntityId = ANY (@EntityIds)
ORDER BY e.EntityId;
