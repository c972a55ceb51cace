-- Stores the state an entity batch left.
-- Tables: EntityStates.
-- Invariant: runs after Complete.sql succeeded in the same transaction, and only when the batch changed the state, so a
-- batch that only takes or releases a lock does not rewrite a large state.
INSERT INTO EntityStates (TaskHub, EntityId, State)
VALUES (@TaskHub, @EntityId, @State)
ON CONFLICT (TaskHub, EntityId) DO UPDATE SET State = excluded.State;
