using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Perdure.Storage.Sqlite.Data;

/// <summary>Opens the store's connections with the settings each role needs.</summary>
internal sealed class SqliteConnections
{
    /// <summary>The collation that compares orchestrator names like the in-memory store (ordinal, ignoring case).</summary>
    public const string NoCaseCollation = "PERDURE_NOCASE";

    private readonly string _connectionString;
    private readonly int _busyTimeoutMs;

    public SqliteConnections(string connectionString, TimeSpan busyTimeout)
    {
        // The store keeps its own long-lived connections; ADO.NET pooling would only keep files open after disposal.
        _connectionString = new SqliteConnectionStringBuilder(connectionString) { Pooling = false }.ToString();
        _busyTimeoutMs = (int)Math.Clamp(busyTimeout.TotalMilliseconds, 0, int.MaxValue);
        DatabasePath = FullPath(connectionString);
    }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }

    /// <summary>The full path of the file a connection string names.</summary>
    /// <exception cref="ArgumentException">The connection string names no file (an in-memory or temporary database).</exception>
    public static string FullPath(string connectionString)
    {
        var builder = new SqliteConnectionStringBuilder(connectionString);
        var source = builder.DataSource;
        if (string.IsNullOrWhiteSpace(source) || source.Equals(":memory:", StringComparison.OrdinalIgnoreCase) || builder.Mode == SqliteOpenMode.Memory)
        {
            throw new ArgumentException(
                $"The SQLite connection string '{connectionString}' names no database file (in-memory or temporary). " +
                "Give a file, for example \"Data Source=perdure.db\", or use UseInMemory() for a store without a file.",
                nameof(connectionString));
        }

        return Path.GetFullPath(source);
    }

    /// <summary>Opens a connection with the busy timeout set and nothing else changed; the caller decides what runs next.</summary>
    public SqliteConnection OpenRaw()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            // SQLite's own busy handler retries with short sleeps; without it Microsoft.Data.Sqlite polls every 150 ms.
            _ = raw.sqlite3_busy_timeout(connection.Handle, _busyTimeoutMs);
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Whether SQLite opened the main database read-only (file permissions or <c>Mode=ReadOnly</c>).</summary>
    public static bool IsReadOnly(SqliteConnection connection) => raw.sqlite3_db_readonly(connection.Handle, "main") == 1;

    /// <summary>Opens the writer's connection: foreign keys on (the schema's cascades), synchronous as configured.</summary>
    public SqliteSession OpenWriter()
    {
        var session = new SqliteSession(OpenRaw());
        session.Execute("Connection/ForeignKeysOn");
        session.Execute("Connection/TempStoreMemory");
        return session;
    }

    /// <summary>Opens a reader connection, with the collation queries use.</summary>
    public SqliteSession OpenReader()
    {
        var connection = OpenRaw();
        connection.CreateCollation(NoCaseCollation, static (x, y) => string.Compare(x, y, StringComparison.OrdinalIgnoreCase));
        return new SqliteSession(connection);
    }
}
