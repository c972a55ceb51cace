-- 0002_Entities: durable entities (issue 6). Tables: Entities, EntityStates, EntityMessages.
--
-- Released scripts are immutable; this one follows the conventions of 0001 (TaskHub leads every key and index, ids are
-- text COLLATE "C", times are bigint UTC ticks, payloads are kept out of rows that claims and renewals rewrite, rows that
-- belong to an entity reference it with ON DELETE CASCADE, keys are named constraints). It only adds tables, so
-- upgrading a version-1 schema touches no existing row. Entities are rows of their own kind, not instances: no foreign
-- key ties them to Instances, so orchestration reads, queries and purges never see them.
--
-- Claimability is one indexed column, as for instances. An entity is claimable when it has a visible message it may
-- serve, no live lease and no back-off. ReadyAt is the earliest visibility among the messages it may serve: every
-- message while it is unlocked (LockHolderInstanceId null); while it is locked, only those whose SenderId is the lock
-- holder's instance. Messages of other senders wait in the inbox and never lower ReadyAt, so a locked entity with only
-- waiting messages is not in Entities_Available and costs no claims. ReadyAt is lowered when a message arrives
-- (Entities/Upsert.sql) and recomputed from the inbox as the last write of every batch commit and of every cleanup that
-- releases a lock (Entities/RefreshReadyAt.sql). AvailableAt is a STORED generated column (PostgreSQL 15 has no virtual
-- ones): null without ReadyAt, else the latest of ReadyAt, the lease expiration and the back-off (GREATEST skips nulls).
--
-- Every sender of a message locks the entity row (the upsert) before it inserts into the inbox and keeps the lock until
-- it commits, so the MessageIds of one inbox are assigned in commit order: arrival order is id order.
--
-- Indexes, each the access path of a statement that runs on every message, claim or idle dispatcher:
-- * Entities_Key primary key (TaskHub, EntityId): every read and write of one entity (sends upsert through it); the
--   ordinal order in which queries and cleanups page and in which transactions lock entity rows; the parent key of the
--   foreign keys.
-- * Entities_Available (TaskHub, AvailableAt), partial on entities with a servable message: the entity claim takes the
--   rows available longest (FOR UPDATE SKIP LOCKED) and finds them again by their lease (a leased row's AvailableAt is
--   its LockExpiration); the entity next-due time is the smallest future value (scheduled signals, back-offs, lease
--   expiries). Entities with state but an empty inbox and locked entities with only waiting messages are not in it.
-- * EntityStates_Key primary key (TaskHub, EntityId): the state read with a claim or a read; the upsert of a commit; the
--   cascade from Entities.
-- * EntityMessages primary key (MessageId): the identity column's uniqueness; no statement seeks by it alone.
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
    TaskHub               text COLLATE "C" NOT NULL,
    EntityId              text COLLATE "C" NOT NULL,
    EntityName            text COLLATE "C" NOT NULL,
    EntityKey             text COLLATE "C" NOT NULL,
    LastModifiedAt        bigint  NOT NULL,
    LockHolderInstanceId  text COLLATE "C",
    LockHolderExecutionId text COLLATE "C",
    LockHolderTaskId      integer,
    LockedBy              text,
    LockExpiration        bigint,
    NotBefore             bigint,
    ReadyAt               bigint,
    AvailableAt           bigint GENERATED ALWAYS AS (
        CASE WHEN ReadyAt IS NULL THEN NULL ELSE GREATEST(ReadyAt, LockExpiration, NotBefore) END) STORED,
    CONSTRAINT Entities_Key PRIMARY KEY (TaskHub, EntityId)
);

CREATE INDEX Entities_Available ON Entities (TaskHub, AvailableAt) WHERE AvailableAt IS NOT NULL;

-- The serialized state of an entity; a row exists exactly while the entity has state. Written by the commits that change
-- the state, not by claims, renewals or commits that only consume messages or move the lock.
CREATE TABLE EntityStates (
    TaskHub  text COLLATE "C" NOT NULL,
    EntityId text COLLATE "C" NOT NULL,
    State    text NOT NULL,
    CONSTRAINT EntityStates_Key PRIMARY KEY (TaskHub, EntityId),
    FOREIGN KEY (TaskHub, EntityId) REFERENCES Entities (TaskHub, EntityId) ON DELETE CASCADE
);

-- Entity inbox messages: inserted once, deleted by the batch that consumes them, never updated. MessageId is an
-- identity with the semantics of Messages.MessageId (ids grow in arrival order and are never reused), from a sequence
-- of its own. SenderId is the sending orchestration or entity (null for a client): it decides what a locked entity may
-- serve. VisibleAt is never null (the enqueue time for messages visible at once); ScheduledAt repeats it for messages
-- sent for a later time and is null for the others. Message is the System.Text.Json text of the polymorphic
-- EntityMessage.
CREATE TABLE EntityMessages (
    MessageId   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    TaskHub     text COLLATE "C" NOT NULL,
    EntityId    text COLLATE "C" NOT NULL,
    SenderId    text COLLATE "C",
    VisibleAt   bigint NOT NULL,
    ScheduledAt bigint,
    Message     text   NOT NULL,
    FOREIGN KEY (TaskHub, EntityId) REFERENCES Entities (TaskHub, EntityId) ON DELETE CASCADE
);

CREATE INDEX EntityMessages_Inbox ON EntityMessages (TaskHub, EntityId, MessageId);

CREATE INDEX EntityMessages_Scheduled ON EntityMessages (TaskHub, ScheduledAt) WHERE ScheduledAt IS NOT NULL;
