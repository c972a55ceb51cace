-- Deletes one entity row; the foreign keys cascade to its state and its whole inbox (scheduled messages included).
-- Tables: Entities, then by cascade EntityStates, EntityMessages.
-- Invariant: the caller locked the row and checked that the entity is not locked by a critical section. A lease on the
-- row goes with it, so a batch in flight cannot commit (a later message creates a new row without that lease).
DELETE FROM Entities WHERE TaskHub = @TaskHub AND EntityId = @EntityId;
