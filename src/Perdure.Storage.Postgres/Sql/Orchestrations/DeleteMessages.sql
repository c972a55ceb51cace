-- Deletes the inbox messages a step consumed, and only those.
-- Tables: Messages.
-- Invariants: @MessageIds is an array of ids; ids of other instances or hubs are never deleted (the key filter).
DELETE FROM Messages
WHERE TaskHub = @TaskHub AND InstanceId = @InstanceId AND MessageId = ANY (@MessageIds);
