-- Makes sure an entity row exists for a message about to be put into its inbox, and makes the entity claimable from
-- the message's visibility time if the entity may serve it and that is earlier.
-- Tables: Entities.
-- Invariants: a missing row is created without state, unlocked, last modified @Now, claimable from @VisibleAt; an
-- existing row changes only its ReadyAt, and only when it is unlocked or the message comes from the lock holder's
-- instance (@SenderId; null for a client, which never matches a holder), so messages that must wait never make a
-- locked entity claimable. ON CONFLICT locks the row either way and the lock is kept until commit, so the inbox insert
-- that follows (Entities/InsertMessage.sql) gets its MessageId while no other sender can insert into this inbox: ids of
-- one inbox grow in commit order. A leased entity stays unavailable until its lease expires or its commit recomputes
-- ReadyAt (AvailableAt takes the later of the two).
INSERT INTO Entities (TaskHub, EntityId, EntityName, EntityKey, LastModifiedAt, ReadyAt)
VALUES (@TaskHub, @EntityId, @EntityName, @EntityKey, @Now, @VisibleAt)
ON CONFLICT (TaskHub, EntityId) DO UPDATE
SET ReadyAt = LEAST(Entities.ReadyAt, excluded.ReadyAt)
WHERE Entities.LockHolderInstanceId IS NULL OR Entities.LockHolderInstanceId = @SenderId::text;
