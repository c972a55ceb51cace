-- Deletes an entity row that has no state, no lock holder and no inbox message (scheduled ones count): deleting an
-- entity's state deletes the entity. Returns the number of rows deleted (0 or 1).
-- Tables: Entities (EntityStates and EntityMessages read; nothing to cascade to).
-- Invariant: the last write of a commit or cleanup that may have emptied the row; a row it keeps gets
-- RefreshReadyAt.sql instead.
DELETE FROM Entities
WHERE TaskHub = @TaskHub AND EntityId = @EntityId AND LockHolderInstanceId IS NULL
  AND NOT EXISTS (SELECT 1 FROM EntityStates AS s WHERE s.TaskHub = Entities.TaskHub AND s.EntityId = Entities.EntityId)
  AND NOT EXISTS (SELECT 1 FROM EntityMessages AS m WHERE m.TaskHub = Entities.TaskHub AND m.EntityId = Entities.EntityId);
