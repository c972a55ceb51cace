-- 0001_Initial: the first Perdure schema. Tables: PerdureSchemaVersions, Instances, InstancePayloads, History, Messages,
-- ActivityTasks, ActivityTaskEvents.
--
-- Released scripts are immutable: a change to the schema is a new script with the next number. The store applies the
-- missing scripts in order inside BEGIN IMMEDIATE and records each in PerdureSchemaVersions in the same transaction.
--
-- Conventions
-- * TaskHub leads every natural key and every index, so task hubs sharing a file never read each other's rows and
--   every lookup is a range inside one hub. MessageId and TaskId are surrogate AUTOINCREMENT row ids, unique in the whole
--   file and never reused (an id seen once always names the same message or task); every statement that uses one also
--   filters by TaskHub.
-- * Times are INTEGER .NET ticks (100 ns units) in UTC: exact round trips, cheap comparisons.
-- * Events are stored one per row as System.Text.Json text of the polymorphic HistoryEvent, with the event type in a
--   column of its own (HistoryEventType numbers, which are persisted and never renumbered).
-- * Payloads are kept out of the rows that every claim and lease renewal rewrites: instance inputs, outputs and custom
--   status live in InstancePayloads, activity calls (with their input) in ActivityTaskEvents.
-- * Rows that belong to an instance reference it with ON DELETE CASCADE, so deleting an instance row (purge, id reuse,
--   task hub deletion) removes its payloads, history, inbox and activity tasks in the same statement and no orphan can
--   exist. The store's writer connection runs with PRAGMA foreign_keys = ON.
--
-- Indexes, each the access path of a statement that runs on every step or on every claim:
-- * Instances_Key (TaskHub, InstanceId) UNIQUE: every read and write of one instance; the ordinal order in which queries
--   page; the parent key of the foreign keys.
-- * Instances_Available (TaskHub, AvailableAt), partial on instances that have claimable messages: the orchestration
--   claim takes the row that has been available longest, and the next-due time is the smallest future value. Instances
--   with empty inboxes (most finished ones) are not in it.
-- * Instances_Parent (TaskHub, ParentInstanceId), partial on sub-orchestrations: a recursive purge finds children.
-- * InstancePayloads_Key (TaskHub, InstanceId) UNIQUE: payloads read with an instance; the cascade from Instances.
-- * History_Key (TaskHub, InstanceId, ExecutionId, SequenceNumber) UNIQUE: history is read in order through it, and it is
--   the backstop that refuses a second commit of the same step by another worker.
-- * Messages_Inbox (TaskHub, InstanceId, MessageId): a claim reads an inbox in arrival order; a checkpoint deletes the
--   consumed ids; the cascade from Instances.
-- * ActivityTasks_Available (TaskHub, AvailableAt): the activity claim and the activity next-due time.
-- * ActivityTasks_Instance (TaskHub, InstanceId): the cascade from Instances.
-- Not indexed on purpose: the status, name and time filters of instance queries and purges. Those are administrative and
-- paged; they walk the hub in instance id order, and every extra index would cost each checkpoint another write.

CREATE TABLE PerdureSchemaVersions (
    Version   INTEGER NOT NULL PRIMARY KEY,
    Name      TEXT    NOT NULL,
    AppliedAt INTEGER NOT NULL
);

-- One row per orchestration instance: small, rewritten by every claim, renewal and checkpoint.
-- AvailableAt is when the instance can next be claimed: never while it has no claimable message (ReadyAt is null), else
-- the latest of its first claimable message's visibility, its lease expiration and its back-off.
CREATE TABLE Instances (
    TaskHub               TEXT    NOT NULL,
    InstanceId            TEXT    NOT NULL,
    ExecutionId           TEXT    NOT NULL,
    Name                  TEXT    NOT NULL,
    Version               TEXT,
    Status                INTEGER NOT NULL,
    CreatedAt             INTEGER NOT NULL,
    LastUpdatedAt         INTEGER NOT NULL,
    CompletedAt           INTEGER,
    ScheduledStartAt      INTEGER,
    Tags                  TEXT,
    ParentName            TEXT,
    ParentInstanceId      TEXT,
    ParentExecutionId     TEXT,
    ParentTaskScheduledId INTEGER,
    TraceParent           TEXT,
    Failure               TEXT,
    HistoryLength         INTEGER NOT NULL DEFAULT 0,
    LockedBy              TEXT,
    LockExpiration        INTEGER,
    NotBefore             INTEGER,
    ReadyAt               INTEGER,
    AvailableAt           INTEGER GENERATED ALWAYS AS (
        CASE WHEN ReadyAt IS NULL THEN NULL
             ELSE max(ReadyAt, coalesce(LockExpiration, ReadyAt), coalesce(NotBefore, ReadyAt)) END) VIRTUAL
);

CREATE UNIQUE INDEX Instances_Key ON Instances (TaskHub, InstanceId);

CREATE INDEX Instances_Available ON Instances (TaskHub, AvailableAt) WHERE AvailableAt IS NOT NULL;

CREATE INDEX Instances_Parent ON Instances (TaskHub, ParentInstanceId) WHERE ParentInstanceId IS NOT NULL;

-- Input, output and custom status of an instance; written at creation and by steps that change one of them.
CREATE TABLE InstancePayloads (
    TaskHub      TEXT NOT NULL,
    InstanceId   TEXT NOT NULL,
    Input        TEXT,
    Output       TEXT,
    CustomStatus TEXT,
    FOREIGN KEY (TaskHub, InstanceId) REFERENCES Instances (TaskHub, InstanceId) ON DELETE CASCADE
);

CREATE UNIQUE INDEX InstancePayloads_Key ON InstancePayloads (TaskHub, InstanceId);

-- The history of each instance's current execution, one event per row, append-only.
CREATE TABLE History (
    TaskHub        TEXT    NOT NULL,
    InstanceId     TEXT    NOT NULL,
    ExecutionId    TEXT    NOT NULL,
    SequenceNumber INTEGER NOT NULL,
    EventType      INTEGER NOT NULL,
    Timestamp      INTEGER NOT NULL,
    Event          TEXT    NOT NULL,
    FOREIGN KEY (TaskHub, InstanceId) REFERENCES Instances (TaskHub, InstanceId) ON DELETE CASCADE
);

CREATE UNIQUE INDEX History_Key ON History (TaskHub, InstanceId, ExecutionId, SequenceNumber);

-- Inbox messages: inserted once, deleted by the step that consumes them, never updated.
CREATE TABLE Messages (
    MessageId   INTEGER PRIMARY KEY AUTOINCREMENT,
    TaskHub     TEXT    NOT NULL,
    InstanceId  TEXT    NOT NULL,
    ExecutionId TEXT,
    EventType   INTEGER NOT NULL,
    VisibleAt   INTEGER NOT NULL,
    Event       TEXT    NOT NULL,
    FOREIGN KEY (TaskHub, InstanceId) REFERENCES Instances (TaskHub, InstanceId) ON DELETE CASCADE
);

CREATE INDEX Messages_Inbox ON Messages (TaskHub, InstanceId, MessageId);

-- Activity calls waiting for or running on a worker: small rows, rewritten by claims, renewals and abandons.
-- AvailableAt is when the task can next be claimed: its creation, its lease expiration or the end of its back-off.
CREATE TABLE ActivityTasks (
    TaskId         INTEGER PRIMARY KEY AUTOINCREMENT,
    TaskHub        TEXT    NOT NULL,
    InstanceId     TEXT    NOT NULL,
    ExecutionId    TEXT    NOT NULL,
    Name           TEXT    NOT NULL,
    LockedBy       TEXT,
    LockExpiration INTEGER,
    AvailableAt    INTEGER NOT NULL,
    FOREIGN KEY (TaskHub, InstanceId) REFERENCES Instances (TaskHub, InstanceId) ON DELETE CASCADE
);

CREATE INDEX ActivityTasks_Available ON ActivityTasks (TaskHub, AvailableAt);

CREATE INDEX ActivityTasks_Instance ON ActivityTasks (TaskHub, InstanceId);

-- The TaskScheduled event (name, input, tags) of each activity task; written once, deleted with the task.
CREATE TABLE ActivityTaskEvents (
    TaskId INTEGER NOT NULL PRIMARY KEY REFERENCES ActivityTasks (TaskId) ON DELETE CASCADE,
    Event  TEXT    NOT NULL
);
