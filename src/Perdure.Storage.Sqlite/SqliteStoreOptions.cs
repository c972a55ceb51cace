namespace Perdure.Storage.Sqlite;

/// <summary>Settings of a <see cref="SqliteStore"/>. The task hub is not here: it comes from the worker or client options.</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>
    /// The Microsoft.Data.Sqlite connection string, for example <c>Data Source=perdure.db</c>. The file is created when
    /// missing; its directory must exist. In-memory databases are not accepted (use <c>UseInMemory</c>).
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>The most write requests (checkpoints, claims, completions, ...) one transaction carries. Default 256.</summary>
    public int MaxBatchSize { get; set; } = 256;

    /// <summary>
    /// How long the writer waits for more requests after the first of a batch before it commits. Default zero: a batch
    /// is whatever queued while the previous commit was flushing, which already groups concurrent steps without adding
    /// latency. A positive window trades latency for fewer commits when requests trickle in.
    /// </summary>
    /// <remarks>Measured in real time, not on the store's <see cref="TimeProvider"/>: it is about the disk, not about business time.</remarks>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.Zero;

    /// <summary>Whether commits wait for the disk. <see cref="SqliteSynchronous.Full"/> by default; see each value for its risk.</summary>
    public SqliteSynchronous Synchronous { get; set; } = SqliteSynchronous.Full;

    /// <summary>
    /// How often the store checks whether another process committed to the same file, to wake its dispatchers and
    /// <see cref="Core.Storage.IPerdureStore.WaitForInstanceAsync"/> callers. Commits of this process wake them at once;
    /// this bounded poll is only the safety net for other processes. Default 1 second.
    /// </summary>
    public TimeSpan SafetyPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a connection waits for another process's write lock before a write fails. Default 30 seconds.</summary>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The full path of the database file a connection string names.</summary>
    /// <exception cref="ArgumentException">The connection string is malformed or names no file (an in-memory or temporary database).</exception>
    public static string DatabasePathOf(string connectionString) => Data.SqliteConnections.FullPath(connectionString);

    /// <summary>Returns a copy, so a store is not affected by later changes to the options it was created with.</summary>
    internal SqliteStoreOptions Clone() => (SqliteStoreOptions)MemberwiseClone();
}
