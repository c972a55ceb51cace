-- Recomputes when an entity next has a message it may serve, from its inbox and its lock holder, and returns it.
-- Tables: EntityMessages (read, through EntityMessages_Inbox), Entities.
-- Invariants: the last write of a batch commit or of a cleanup that released a lock (after consumed messages were
-- deleted, new ones inserted and the lock holder set), so the row agrees with its inbox at commit. A locked entity
-- counts only messages whose SenderId is the lock holder's instance. Null means nothing to serve; a future time is a
-- scheduled message the entity may serve.
UPDATE Entities AS e
SET ReadyAt = (
    SELECT min(m.VisibleAt)
    FROM EntityMessages AS m
    WHERE m.TaskHub = e.TaskHub AND m.EntityId = e.EntityId
      AND (e.LockHolderInstanceId IS NULL OR m.SenderId = e.LockHolderInstanceId))
WHERE e.TaskHub = @TaskHub AND e.EntityId = @EntityId
RETURNING e.ReadyAt;
