-- Deletes every entity of the task hub; the foreign keys cascade to their states and inboxes.
-- Tables: Entities, then by cascade EntityStates, EntityMessages.
-- Invariant: other task hubs in the file are untouched (every entity row of the hub hangs off one of its Entities rows).
DELETE FROM Entities WHERE TaskHub = @TaskHub;
