-- Deletes every entity of the task hub; the foreign keys cascade to their states and inboxes.
-- Tables: Entities, then by cascade EntityStates, EntityMessages.
-- Invariant: other task hubs in the schema are untouched (every entity row of the hub hangs off one of its Entities
-- rows). Runs before Instances/DeleteTaskHub.sql: entity rows before instance rows, the global lock order.
DELETE FROM Entities WHERE TaskHub = @TaskHub;
