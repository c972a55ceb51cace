namespace Perdure.Storage.Sqlite;

/// <summary>How long a SQLite commit waits for the disk (SQLite's <c>PRAGMA synchronous</c> in WAL mode).</summary>
public enum SqliteSynchronous
{
    /// <summary>
    /// Every commit of durable work returns only after the write-ahead log is flushed to disk (fsync). A committed step
    /// survives a process kill, an OS crash and a power loss. The default.
    /// </summary>
    Full,

    /// <summary>
    /// Commits return before the write-ahead log is flushed; the log is flushed at WAL checkpoints.
    /// </summary>
    /// <remarks>
    /// A committed step still survives a process kill (kill -9): the log is in the operating system's cache. An OS crash
    /// or a power loss can roll back the most recent commits (the database stays consistent): steps that clients saw as
    /// done may run again, activity results may be lost and their activities run again, and an instance a client saw
    /// completed may be running again. Choose it only when that is acceptable; it saves one flush per commit.
    /// </remarks>
    Normal,
}
