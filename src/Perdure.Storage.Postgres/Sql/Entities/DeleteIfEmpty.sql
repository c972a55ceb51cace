-- Deletes the entity rows among @EntityIds that have no state, no lock holder and no inbox message (scheduled ones
-- count): deleting an entity's state deletes the entity. Returns the number of rows deleted.
-- Tables: Entities (EntityStates and EntityMessages read; nothing to cascade to).
-- Invariants: the rows are locked by this transaction, so no message can arrive between the check and the delete. Run
-- as the last write of a commit or cleanup that may have emptied its row (a row it keeps gets RefreshReadyAt.sql
-- instead), and by a local step whose instance was not as assumed, for the rows Entities/LockInOrder.sql created for
-- messages that are then not sent. No committed row is ever empty, so only such rows match.
DELETE FROM Entities AS e
WHERE e.TaskHub = @TaskHub AND e.EntityId = ANY (@EntityIds) AND e.LockHolderInstanceId IS NULL
  AND NOT EXISTS (SELECT 1 FROM EntityStates AS s WHERE s.TaskHub = e.TaskHub AND s.EntityId = e.EntityId)
  AND NOT EXISTS (SELECT 1 FROM EntityMessages AS m WHERE m.TaskHub = e.TaskHub AND m.EntityId = e.EntityId);
