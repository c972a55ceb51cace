-- 0002_Entities: durable entities (issue 5). Tables: Entities, EntityStates, EntityMessages.
--
-- Released scripts are immutable; this one follows the conventions of 0001 (TaskHub leads every key and index, times
-- are INTEGER UTC ticks, payloads are kept out of rows that claims and renewals rewrite, rows that belong to an entity
-- reference it with ON DELETE CASCADE). Entities are rows of their own kind, not instances: no foreign key ties them to
-- Instances, so orchestration reads, queries and purges never see them, and deleting a task hub deletes both.
--
-- Claimability is one indexed column, as for instances. An entity is claimable when it has a visible message it may
-- serve, no live lease and no back-off. ReadyAt is the earliest visibility among the messages it may serve: every
-- message while it is unlocked (LockHolderInstanceId null); while it is locked, only those whose SenderId is the lock
-- holder's instance. Messages of other senders wait in the inbox and never lower ReadyAt, so a locked entity with only
-- waiting messages is not in the claim index and costs no claims. ReadyAt is lowered when a message arrives
-- (Entities/Upsert.sql) and recomputed from the inbox as the last write of every batch commit and of every cleanup that
-- releases a lock (Entities/RefreshReadyAt.sql). AvailableAt = the latest of ReadyAt, the lease expiration and the
-- back-off.
--
-- Indexes, each the access path of a statement that runs on every message, claim or idle dispatcher:
-- * Entities_Key (TaskHub, EntityId) UNIQUE: every read and write of one entity (sends upsert through it); the ordinal
--   order in which queries and cleanups page; the parent key of the foreign keys.
-- * Entities_Available (TaskHub, AvailableAt), partial on entities with a servable message: the entity claim takes the
--   rows available longest, and the entity next-due time is the smallest future value (scheduled signals, back-offs,
--   lease expiries). Entities with state but an empty inbox and locked entities with only waiting messages are not in it.
-- * EntityStates_Key (TaskHub, EntityId) UNIQUE: the state read with a claim or a read; the upsert of a commit; the
--   cascade from Entities.
-- * EntityMessages_Inbox (TaskHub, EntityId, MessageId): a claim reads an inbox in arrival order; a commit deletes the
--   consumed ids; ReadyAt and the backlog count are computed over one entity's inbox; the cascade from Entities.
-- * EntityMessages_Scheduled (TaskHub, ScheduledAt), partial on messages sent for a later time: the entity next-due time
--   also covers a scheduled message of an entity that is claimable now (its AvailableAt is now, so the index above
--   cannot tell when the scheduled one comes due). Messages visible at once, nearly all of them, are not in it.
-- Not indexed on purpose: LastModifiedAt (queries by time are administrative and paged in id order, and every commit
-- would pay for the index), SenderId (only ever compared within one entity's inbox), the lock holder (cleanup of
-- orphaned locks walks the hub in id order).

-- One row per entity that has state, a lock holder or inbox messages: small, rewritten by claims, renewals and commits.
-- EntityName and EntityKey are the two parts of EntityId ('@name@key', name lower-case), kept for queries by name.
-- The lock holder (LockHolder*) is the critical section holding the entity's lock: orchestration instance, execution and
-- the task id of its lock request. LockedBy and LockExpiration are the lease of the worker running a batch.
CREATE TABLE Entities (
    TaskHub               TEXT    NOT NULL,
    EntityId              TEXT    NOT NULL,
    EntityName            TEXT    NOT NULL,
    EntityKey             TEXT    NOT NULL,
    LastModifiedAt        INTEGER NOT NULL,
    LockHolderInstanceId  TEXT,
    LockHolderExecutionId TEXT,
    LockHolderTaskId      INTEGER,
    LockedBy              TEXT,
    LockExpiration        INTEGER,
    NotBefore             INTEGER,
    ReadyAt               INTEGER,
    AvailableAt           INTEGER GENERATED ALWAYS AS (
        CASE WHEN ReadyAt IS NULL THEN NULL
             ELSE max(ReadyAt, coalesce(LockExpiration, ReadyAt), coalesce(NotBefore, ReadyAt)) END) VIRTUAL
);

CREATE UNIQUE INDEX Entities_Key ON Entities (TaskHub, EntityId);

CREATE INDEX Entities_Available ON Entities (TaskHub, AvailableAt) WHERE AvailableAt IS NOT NULL;

-- The serialized state of an entity; a row exists exactly while the entity has state. Written by the commits that change
-- the state, not by claims, renewals or commits that only consume messages or move the lock.
CREATE TABLE EntityStates (
    TaskHub  TEXT NOT NULL,
    EntityId TEXT NOT NULL,
    State    TEXT NOT NULL,
    FOREIGN KEY (TaskHub, EntityId) REFERENCES Entities (TaskHub, EntityId) ON DELETE CASCADE
);

CREATE UNIQUE INDEX EntityStates_Key ON EntityStates (TaskHub, EntityId);

-- Entity inbox messages: inserted once, deleted by the batch that consumes them, never updated. MessageId is an
-- AUTOINCREMENT row id with the semantics of Messages.MessageId (ids grow in arrival order and are never reused), from
-- a sequence of its own. SenderId is the sending orchestration or entity (null for a client): it decides what a locked
-- entity may serve. VisibleAt is never null (the enqueue time for messages visible at once); ScheduledAt repeats it for
-- messages sent for a later time and is null for the others. Message is the System.Text.Json text of the polymorphic
-- EntityMessage.
CREATE TABLE EntityMessages (
    MessageId   INTEGER PRIMARY KEY AUTOINCREMENT,
    TaskHub     TEXT    NOT NULL,
    EntityId    TEXT    NOT NULL,
    SenderId    TEXT,
    VisibleAt   INTEGER NOT NULL,
    ScheduledAt INTEGER,
    Message     TEXT    NOT NULL,
    FOREIGN KEY (TaskHub, EntityId) REFERENCES Entities (TaskHub, EntityId) ON DELETE CASCADE
);

CREATE INDEX EntityMessages_Inbox ON EntityMessages (TaskHub, EntityId, MessageId);

CREATE INDEX EntityMessages_Scheduled ON EntityMessages (TaskHub, ScheduledAt) WHERE ScheduledAt IS NOT NULL;
