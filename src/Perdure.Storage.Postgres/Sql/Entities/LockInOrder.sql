-- Locks the rows of the entities a transaction will write, in entity id order, before it writes any entity or instance
-- row; creates the rows that are missing (no state, unlocked, not claimable until a message makes them so).
-- Tables: Entities (insert of missing rows; the row lock ON CONFLICT DO UPDATE takes on existing ones, updating nothing).
-- Invariants: the first statement of every transaction that writes more than one entity row, or entity rows and
-- instance rows (an orchestration step that sends entity messages, an entity batch that sends messages or starts
-- orchestrations). The global lock order is: entity rows in id order, then instance rows in id order
-- (Instances/LockInOrder.sql); every such transaction follows it, so none waits for a lock held by one that waits for it.
-- Rows are proposed in ORDER BY order, and ON CONFLICT locks (or waits for) each one as it is proposed; a row another
-- transaction is inserting is waited for, in the same order. @EntityIds holds no duplicates; @EntityNames and
-- @EntityKeys are the parts of each id at the same position. A row created here that the transaction then leaves empty
-- is rolled back with it (only a lost lease stops a transaction before its messages are inserted).
INSERT INTO Entities (TaskHub, EntityId, EntityName, EntityKey, LastModifiedAt)
SELECT @TaskHub, t.EntityId, t.EntityName, t.EntityKey, @Now
FROM unnest(@EntityIds::text[], @EntityNames::text[], @EntityKeys::text[]) AS t (EntityId, EntityName, EntityKey)
ORDER BY t.EntityId COLLATE "C"
ON CONFLICT (TaskHub, EntityId) DO UPDATE SET ReadyAt = Entities.ReadyAt WHERE false;
