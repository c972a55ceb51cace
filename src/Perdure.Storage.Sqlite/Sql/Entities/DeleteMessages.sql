-- Deletes the inbox messages an entity batch consumed, and only those.
-- Tables: EntityMessages.
-- Invariants: @MessageIds is a JSON array of ids, each one the claim delivered (checked before the request reached the
-- writer); ids of other entities or hubs are never deleted (the key filter).
DELETE FROM EntityMessages
WHERE TaskHub = @TaskHub AND EntityId = @EntityId AND MessageId IN (SELECT value FROM json_each(@MessageIds));
