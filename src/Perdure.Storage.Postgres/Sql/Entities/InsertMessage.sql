-- Puts a message into an entity's inbox.
-- Tables: EntityMessages.
-- Invariants: the entity row exists and this transaction holds its lock (Entities/Upsert.sql ran just before); MessageId
-- comes from the identity, so ids grow in arrival order and are never reused; VisibleAt is never null (the enqueue time
-- for messages visible at once); @ScheduledAt is @VisibleAt for a message sent for a later time and null otherwise, so
-- only scheduled messages enter EntityMessages_Scheduled; SenderId is the message's sender (null for a client).
INSERT INTO EntityMessages (TaskHub, EntityId, SenderId, VisibleAt, ScheduledAt, Message)
VALUES (@TaskHub, @EntityId, @SenderId, @VisibleAt, @ScheduledAt, @Message);
