-- 0001_Initial: the first Perdure schema on PostgreSQL. Tables: PerdureSchemaVersions, Instances, InstancePayloads,
-- History, Messages, ActivityTasks, ActivityTaskEvents. Entities come in a later script.
--
-- Released scripts are immutable: a change to the schema is a new script with the next number. The store applies the
-- missing scripts in order inside one transaction holding pg_advisory_xact_lock on a fixed key, in the schema the
-- connection's search_path names, and records each in PerdureSchemaVersions in the same transaction.
--
-- Conventions
-- * TaskHub leads every key and every index, so task hubs sharing a schema never read each other's rows and every lookup
--   is a range inside one hub. MessageId and TaskId are surrogate identity columns, unique in the whole schema and never
--   reused; every statement that uses one also filters by TaskHub.
-- * Ids and names are text COLLATE "C": ordinal (byte) comparison and order, as the contract requires, whatever the
--   database's default collation.
-- * Times are bigint .NET ticks (100 ns units) in UTC: exact round trips (timestamptz keeps microseconds only), cheap
--   comparisons, and the same numbers as the SQLite store.
-- * Events are stored one per row as System.Text.Json text of the polymorphic HistoryEvent, with the event type in a
--   column of its own (HistoryEventType numbers, persisted and never renumbered).
-- * Payloads are kept out of the rows every claim and lease renewal rewrites (under MVCC an update writes a whole new
--   row version): instance inputs, outputs and custom status live in InstancePayloads, activity calls with their input
--   in ActivityTaskEvents.
-- * Rows that belong to an instance reference it with ON DELETE CASCADE, so deleting an instance row (purge, id reuse,
--   task hub deletion) removes its payloads, history, inbox and activity tasks in the same statement.
--
-- Indexes, each the access path of a statement that runs on every step or every claim:
-- * Instances primary key (TaskHub, InstanceId): every read and write of one instance; the ordinal order in which
--   queries page; the parent key of the foreign keys.
-- * Instances_Available (TaskHub, AvailableAt), partial on instances with claimable messages: the claim takes the rows
--   available longest (FOR UPDATE SKIP LOCKED), and the next-due time is the smallest future value.
-- * Instances_Parent (TaskHub, ParentInstanceId), partial on sub-orchestrations: a recursive purge finds children.
-- * InstancePayloads primary key (TaskHub, InstanceId): payloads read with an instance; the cascade.
-- * History primary key (TaskHub, InstanceId, ExecutionId, SequenceNumber): history is read in order through it, and it
--   is the backstop that refuses a second commit of the same step by another worker.
-- * Messages_Inbox (TaskHub, InstanceId, MessageId): a claim reads an inbox in arrival order; a checkpoint deletes the
--   consumed ids; the cascade.
-- * ActivityTasks_Available (TaskHub, AvailableAt): the activity claim and the activity next-due time.
-- * ActivityTasks_Instance (TaskHub, InstanceId): the cascade from Instances.
-- Not indexed on purpose: the status, name and time filters of instance queries and purges. They are administrative and
-- paged by instance id; every extra index would cost each checkpoint another write.

CREATE TABLE PerdureSchemaVersions (
    Version   integer NOT NULL PRIMARY KEY,
    Name      text    NOT NULL,
    AppliedAt bigint  NOT NULL
);

-- One row per orchestration instance: small, rewritten by every claim, renewal and checkpoint.
-- AvailableAt is when the instance can next be claimed: never while it has no claimable message (ReadyAt is null), else
-- the latest of its first claimable message's visibility, its lease expiration and its back-off (GREATEST skips nulls).
CREATE TABLE Instances (
    TaskHub               text COLLATE "C" NOT NULL,
    InstanceId            text COLLATE "C" NOT NULL,
    ExecutionId           text COLLATE "C" NOT NULL,
    Name                  text COLLATE "C" NOT NULL,
    Version               text,
    Status                integer NOT NULL,
    CreatedAt             bigint  NOT NULL,
    LastUpdatedAt         bigint  NOT NULL,
    CompletedAt           bigint,
    ScheduledStartAt      bigint,
    Tags                  text,
    ParentName            text,
    ParentInstanceId      text COLLATE "C",
    ParentExecutionId     text COLLATE "C",
    ParentTaskScheduledId integer,
    TraceParent           text,
    Failure               text,
    HistoryLength         integer NOT NULL DEFAULT 0,
    LockedBy              text,
    LockExpiration        bigint,
    NotBefore             bigint,
    ReadyAt               bigint,
    AvailableAt           bigint GENERATED ALWAYS AS (
        CASE WHEN ReadyAt IS NULL THEN NULL ELSE GREATEST(ReadyAt, LockExpiration, NotBefore) END) STORED,
    CONSTRAINT Instances_Key PRIMARY KEY (TaskHub, InstanceId)
);

CREATE INDEX Instances_Available ON Instances (TaskHub, AvailableAt) WHERE AvailableAt IS NOT NULL;

CREATE INDEX Instances_Parent ON Instances (TaskHub, ParentInstanceId) WHERE ParentInstanceId IS NOT NULL;

-- Input, output and custom status of an instance; written at creation and by steps that change one of them.
CREATE TABLE InstancePayloads (
    TaskHub      text COLLATE "C" NOT NULL,
    InstanceId   text COLLATE "C" NOT NULL,
    Input        text,
    Output       text,
    CustomStatus text,
    CONSTRAINT InstancePayloads_Key PRIMARY KEY (TaskHub, InstanceId),
    FOREIGN KEY (TaskHub, InstanceId) REFERENCES Instances (TaskHub, InstanceId) ON DELETE CASCADE
);

-- The history of each instance's current execution, one event per row, append-only.
CREATE TABLE History (
    TaskHub        text COLLATE "C" NOT NULL,
    InstanceId     text COLLATE "C" NOT NULL,
    ExecutionId    text COLLATE "C" NOT NULL,
    SequenceNumber integer NOT NULL,
    EventType      integer NOT NULL,
    Timestamp      bigint  NOT NULL,
    Event          text    NOT NULL,
    CONSTRAINT History_Key PRIMARY KEY (TaskHub, InstanceId, ExecutionId, SequenceNumber),
    FOREIGN KEY (TaskHub, InstanceId) REFERENCES Instances (TaskHub, InstanceId) ON DELETE CASCADE
);

-- Inbox messages: inserted once, deleted by the step that consumes them, never updated.
CREATE TABLE Messages (
    MessageId   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    TaskHub     text COLLATE "C" NOT NULL,
    InstanceId  text COLLATE "C" NOT NULL,
    ExecutionId text COLLATE "C",
    EventType   integer NOT NULL,
    VisibleAt   bigint  NOT NULL,
    Event       text    NOT NULL,
    FOREIGN KEY (TaskHub, InstanceId) REFERENCES Instances (TaskHub, InstanceId) ON DELETE CASCADE
);

CREATE INDEX Messages_Inbox ON Messages (TaskHub, InstanceId, MessageId);

-- Activity calls waiting for or running on a worker: small rows, rewritten by claims, renewals and abandons.
-- AvailableAt is when the task can next be claimed: its creation, its lease expiration or the end of its back-off.
CREATE TABLE ActivityTasks (
    TaskId         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    TaskHub        text COLLATE "C" NOT NULL,
    InstanceId     text COLLATE "C" NOT NULL,
    ExecutionId    text COLLATE "C" NOT NULL,
    Name           text NOT NULL,
    LockedBy       text,
    LockExpiration bigint,
    AvailableAt    bigint NOT NULL,
    FOREIGN KEY (TaskHub, InstanceId) REFERENCES Instances (TaskHub, InstanceId) ON DELETE CASCADE
);

CREATE INDEX ActivityTasks_Available ON ActivityTasks (TaskHub, AvailableAt);

CREATE INDEX ActivityTasks_Instance ON ActivityTasks (TaskHub, InstanceId);

-- The TaskScheduled event (name, input, tags) of each activity task; written once, deleted with the task.
CREATE TABLE ActivityTaskEvents (
    TaskId bigint NOT NULL PRIMARY KEY REFERENCES ActivityTasks (TaskId) ON DELETE CASCADE,
    Event  text   NOT NULL
);
