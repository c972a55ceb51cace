-- Recomputes when an entity next has a message it may serve, from its inbox and its lock holder, and returns it.
-- Tables: EntityMessages (read, through EntityMessages_Inbox), Entities.
-- Invariants: the last write of a batch commit or of a cleanup that released a lock (after consumed messages were
-- deleted, new ones inserted and the lock holder set), so the row agrees with its inbox at commit. A locked entity
-- counts only messages whose SenderId is the lock holder's instance. Null means nothing to serve; a future time is a
-- scheduled message the entity may serve.
UPDATE Entities
SET ReadyAt = (
    SELECT min(m.VisibleAt)
    FROM EntityMessages AS m
    WHERE m.TaskHub = Entities.TaskHub AND m.EntityId = Entities.EntityId
      AND (Entities.LockHolderInstanceId IS NULL OR m.SenderId = Entities.LockHolderInstanceId))
WHERE TaskHub = @TaskHub AND EntityId = @EntityId
RETURNING ReadyAt;
