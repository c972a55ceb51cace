-- Deletes the inbox messages an entity batch consumed, and only those.
-- Tables: EntityMessages.
-- Invariants: @MessageIds is an array of ids, each one the claim delivered (checked before the transaction began); ids
-- of other entities or hubs are never deleted (the key filter).
DELETE FROM EntityMessages
WHERE TaskHub = @TaskHub AND EntityId = @EntityId AND MessageId = ANY (@MessageIds);
