using System.Globalization;
using Npgsql;

namespace Perdure.Benchmarks;

/// <summary>
/// The PostgreSQL server of --store postgres: connection strings for the stores of the benchmark's processes, a fresh
/// schema name per measured run and its removal, the server's durability settings, and its activity counters.
/// </summary>
internal sealed class PostgresServer
{
    /// <summary>
    /// The connection pool of a process that runs worker and client together, unless the connection string sets one. The
    /// server allows 100 connections by default; this keeps one process well below that.
    /// </summary>
    public const int InProcessPoolSize = 50;

    /// <summary>The pool of the benchmark process when it is only the client of worker processes.</summary>
    public const int ClientPoolSize = 10;

    private const string ApplicationName = "perdure-bench";
    private readonly string _connectionString;
    private readonly bool _poolSizeGiven;
    private int _schemas;

    public PostgresServer(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException($"The PostgreSQL connection string is not valid for Npgsql ({ex.Message}); give one such as " +
                                        "\"Host=...;Port=...;Username=...;Password=...;Database=...\".", ex);
        }

        // NpgsqlConnectionStringBuilder knows every keyword; the plain builder keeps only those given.
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        _poolSizeGiven = given.Keys.Cast<string>()
            .Select(k => k.Replace(" ", string.Empty, StringComparison.Ordinal).ToUpperInvariant())
            .Any(k => k is "MAXIMUMPOOLSIZE" or "MAXPOOLSIZE");
        if (string.IsNullOrEmpty(builder.ApplicationName))
        {
            builder.ApplicationName = ApplicationName;
        }

        _connectionString = builder.ConnectionString;
        Host = builder.Host ?? "localhost";
        Port = builder.Port;
        Database = builder.Database ?? builder.Username ?? "";
    }

    public string Host { get; }

    public int Port { get; }

    public string Database { get; }

    /// <summary>The server runs on this machine (TCP to a loopback address, or a Unix socket).</summary>
    public bool IsLocal => Host is "127.0.0.1" or "::1" or "localhost" || Host.StartsWith('/');

    /// <summary>The pool of each worker process when <paramref name="workers"/> of them share the server (and the client's 10).</summary>
    public static int WorkerPoolSize(int workers) => Math.Clamp(80 / workers, 10, InProcessPoolSize);

    /// <summary>What a process's pool is: the given size, or the connection string's own when it sets one.</summary>
    public string PoolDescription(int poolSize) =>
        _poolSizeGiven ? "Maximum Pool Size from the connection string" : $"Maximum Pool Size={poolSize}";

    /// <summary>The connection string with <c>Maximum Pool Size</c> set, unless the given one sets it.</summary>
    public string WithPool(int poolSize)
    {
        if (_poolSizeGiven)
        {
            return _connectionString;
        }

        return new NpgsqlConnectionStringBuilder(_connectionString) { MaxPoolSize = poolSize }.ConnectionString;
    }

    /// <summary>A schema name no earlier run used: the process id, a counter and random digits.</summary>
    public string NewSchemaName() =>
        $"bench_{Environment.ProcessId}_{Interlocked.Increment(ref _schemas)}_{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>A connection outside any store (no pool), for the probe, the counters and dropping schemas.</summary>
    public NpgsqlConnection Open()
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false }.ConnectionString);
        connection.Open();
        return connection;
    }

    /// <summary>Drops a schema of the benchmark and everything in it.</summary>
    public void DropSchema(string schema)
    {
        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            // The name is one of NewSchemaName's (letters, digits, '_'), so quoting it is enough.
            command.CommandText = $"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE";
            _ = command.ExecuteNonQuery();
        }
        catch (NpgsqlException ex)
        {
            Console.Error.WriteLine($"warning: could not drop the schema {schema}: {ex.Message}");
        }
    }

    /// <summary>Bytes of the schema's tables with their indexes and TOAST.</summary>
    public long SchemaBytes(string schema)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT coalesce(sum(pg_total_relation_size(c.oid)), 0)::bigint
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = @schema AND c.relkind = 'r'
            """;
        _ = command.Parameters.AddWithValue("schema", schema);
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// Rows each table of the schema was scanned for since it was created, sequentially and through indexes, and rows it
    /// had inserted, updated and deleted, each per <paramref name="steps"/>; the tables read most first.
    /// </summary>
    public string TableReads(string schema, int steps)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT relname, coalesce(seq_tup_read, 0), coalesce(idx_tup_fetch, 0), coalesce(seq_scan, 0),
                n_tup_ins, n_tup_upd, n_tup_del
            FROM pg_stat_user_tables WHERE schemaname = @schema
            ORDER BY coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) DESC
            """;
        _ = command.Parameters.AddWithValue("schema", schema);
        var parts = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            var (seqRows, idxRows, seqScans) = (reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
            var (inserted, updated, deleted) = (reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6));
            if (seqRows + idxRows + seqScans + inserted + updated + deleted > 0)
            {
                parts.Add(string.Create(CultureInfo.InvariantCulture,
                    $"{reader.GetString(0)} {seqScans / (double)steps:0.00} seq scans {seqRows / (double)steps:0.0} rows, index {idxRows / (double)steps:0.0} rows, " +
                    $"written {inserted / (double)steps:0.00}/{updated / (double)steps:0.00}/{deleted / (double)steps:0.00}"));
            }
        }

        return string.Join("; ", parts);
    }

    /// <summary>The server's version and the settings that decide what a commit costs, as "name=value" pairs.</summary>
    public ServerSettings ReadSettings()
    {
        using var connection = Open();
        var values = new List<KeyValuePair<string, string>>();
        foreach (var name in new[] { "server_version", "fsync", "synchronous_commit", "full_page_writes", "wal_sync_method", "commit_delay", "shared_buffers", "max_connections" })
        {
            values.Add(new(name, Setting(connection, name) ?? "unknown"));
        }

        var dataDirectory = Setting(connection, "data_directory");
        return new ServerSettings(values, dataDirectory, Setting(connection, "shared_preload_libraries") ?? "");
    }

    /// <summary>The server's counters now (pg_stat_database for this database, pg_stat_wal); null where the server does not have them.</summary>
    public ServerCounters ReadCounters()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT xact_commit, xact_rollback, tup_inserted, tup_updated, tup_deleted, tup_returned + tup_fetched
            FROM pg_stat_database WHERE datname = current_database()
            """;
        long[] database;
        using (var reader = command.ExecuteReader())
        {
            _ = reader.Read();
            database = [.. Enumerable.Range(0, 6).Select(reader.GetInt64)];
        }

        long? walSyncs = null, walWrites = null, walRecords = null;
        try
        {
            command.CommandText = "SELECT wal_sync, wal_write, wal_records FROM pg_stat_wal";
            using var reader = command.ExecuteReader();
            _ = reader.Read();
            (walSyncs, walWrites, walRecords) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
        }
        catch (PostgresException)
        {
            // PostgreSQL 18 moved WAL write and sync counts to pg_stat_io; the figures are then left out.
        }

        return new ServerCounters(database[0], database[1], database[2], database[3], database[4], database[5], walSyncs, walWrites, walRecords);
    }

    /// <summary>
    /// <see cref="ReadCounters"/> once the benchmark's other sessions have ended (at most 5 s): a backend reports its
    /// counts to the statistics when its session ends (or, while idle, only every few seconds).
    /// </summary>
    public ServerCounters ReadCountersSettled()
    {
        using (var connection = Open())
        {
            using var command = connection.CreateCommand();
            command.CommandText = """
                SELECT count(*) FROM pg_stat_activity
                WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'
                """;
            var deadline = DateTime.UtcNow.AddSeconds(5);
            while ((long)command.ExecuteScalar()! > 0 && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(50);
            }
        }

        return ReadCounters();
    }

    /// <summary>
    /// Turns on per-statement figures when the server preloads pg_stat_statements (creating the extension if needed);
    /// false, and nothing changed, when it does not.
    /// </summary>
    public bool TryEnableStatements(ServerSettings settings)
    {
        if (!settings.PreloadLibraries.Contains("pg_stat_statements", StringComparison.Ordinal))
        {
            return false;
        }

        try
        {
            using var connection = Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE EXTENSION IF NOT EXISTS pg_stat_statements";
            _ = command.ExecuteNonQuery();
            return true;
        }
        catch (PostgresException ex)
        {
            Console.Error.WriteLine($"warning: pg_stat_statements is preloaded but cannot be used: {ex.Message}");
            return false;
        }
    }

    /// <summary>Clears pg_stat_statements, so the next read covers one run.</summary>
    public void ResetStatements()
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT pg_stat_statements_reset()";
        _ = command.ExecuteNonQuery();
    }

    /// <summary>The statements of this database since the last reset, most server time first.</summary>
    public List<StatementFigures> ReadStatements(int top)
    {
        using var connection = Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT query, calls, total_exec_time, rows FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_stat_activity%'
            ORDER BY total_exec_time DESC LIMIT @top
            """;
        _ = command.Parameters.AddWithValue("top", top);
        var statements = new List<StatementFigures>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            statements.Add(new StatementFigures(Shorten(reader.GetString(0)), reader.GetInt64(1), reader.GetDouble(2), reader.GetInt64(3)));
        }

        return statements;
    }

    /// <summary>The statement without its comment lines, on one line, at most 110 characters.</summary>
    private static string Shorten(string query)
    {
        var code = string.Join(' ', query.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal)));
        code = string.Join(' ', code.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return code.Length <= 110 ? code : code[..107] + "...";
    }

    private static string? Setting(NpgsqlConnection connection, string name)
    {
        try
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT current_setting(@name, true)";
            _ = command.Parameters.AddWithValue("name", name);
            return command.ExecuteScalar() as string;
        }
        catch (PostgresException)
        {
            return null;   // e.g. data_directory needs pg_read_all_settings
        }
    }
}
