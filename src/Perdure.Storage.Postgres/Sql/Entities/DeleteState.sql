-- Deletes an entity's state (a batch left it without state).
-- Tables: EntityStates.
-- Invariant: runs after Complete.sql succeeded in the same transaction; the row itself is deleted by DeleteIfEmpty.sql
-- if nothing else keeps it.
DELETE FROM EntityStates WHERE TaskHub = @TaskHub AND EntityId = @EntityId;
