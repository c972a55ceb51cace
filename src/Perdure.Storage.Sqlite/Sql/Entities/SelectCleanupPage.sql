-- Reads the next page of entity rows for a cleanup, in ordinal id order, with what cleaning each would mean: whether
-- its lock is orphaned, and whether it is empty.
-- Tables: Entities (read, through Entities_Key), Instances (read), EntityStates (read), EntityMessages (read).
-- Invariants: runs inside the writer's transaction, so the answers hold while the page is cleaned. A lock is orphaned
-- when no instance is at the lock request's execution in status Running (0), Pending (6) or Suspended (7). A row is
-- empty when it has no state, no lock holder and no message. @After is the last id of the previous page ('' first);
-- the caller asks for one row more than a page.
SELECT e.EntityId,
    e.LockHolderInstanceId IS NOT NULL AND NOT EXISTS (
        SELECT 1 FROM Instances AS i
        WHERE i.TaskHub = e.TaskHub AND i.InstanceId = e.LockHolderInstanceId
          AND i.ExecutionId = e.LockHolderExecutionId AND i.Status IN (0, 6, 7)),
    e.LockHolderInstanceId IS NULL
      AND NOT EXISTS (SELECT 1 FROM EntityStates AS s WHERE s.TaskHub = e.TaskHub AND s.EntityId = e.EntityId)
      AND NOT EXISTS (SELECT 1 FROM EntityMessages AS m WHERE m.TaskHub = e.TaskHub AND m.EntityId = e.EntityId)
FROM Entities AS e
WHERE e.TaskHub = @TaskHub AND e.EntityId > @After
ORDER BY e.EntityId
LIMIT @Limit;
