using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Perdure.Benchmarks;

/// <summary>
/// The machine's own limits, measured in the same run and in the same folder as the databases, so a reader sees how
/// far the engine is from the disk: (a) one-row durable SQLite commits/s (WAL, synchronous=FULL, one INSERT per
/// transaction, in a tight loop on one connection through Microsoft.Data.Sqlite), and (b) flushes/s of the same disk
/// (a small write then fsync, in a loop). Both files are fresh and deleted afterwards. On PostgreSQL: one-row durable
/// commits/s on the server, on one connection and on as many at once as a store writes on.
/// </summary>
internal static class LimitProbe
{
    private const int WarmUp = 20;

    public static ProbeResult MeasureSqliteCommits(BenchStore store, TimeSpan duration)
    {
        var path = store.ScratchFile("probe-commits.db");
        var connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString();
        try
        {
            using var connection = new SqliteConnection(connectionString);
            connection.Open();
            var journal = Scalar(connection, "PRAGMA journal_mode = WAL;");
            Execute(connection, "PRAGMA synchronous = FULL;");
            var synchronous = Convert.ToInt64(Scalar(connection, "PRAGMA synchronous;"), CultureInfo.InvariantCulture);
            if (!string.Equals(journal as string, "wal", StringComparison.OrdinalIgnoreCase) || synchronous != 2)
            {
                return ProbeResult.Failed($"the probe database is not in WAL with synchronous=FULL (journal_mode={journal}, synchronous={synchronous})");
            }

            Execute(connection, "CREATE TABLE Probe (Id INTEGER PRIMARY KEY, Value TEXT NOT NULL);");
            using var insert = connection.CreateCommand();
            insert.CommandText = "INSERT INTO Probe (Value) VALUES ($value);";
            var value = insert.Parameters.Add("$value", SqliteType.Text);
            insert.Prepare();

            var total = 0;
            for (; total < WarmUp; total++)
            {
                value.Value = $"row {total}";
                _ = insert.ExecuteNonQuery();
            }

            // Autocommit: every INSERT is its own transaction, so each one waits for its own flush.
            var count = 0;
            var stopwatch = Stopwatch.StartNew();
            while (stopwatch.Elapsed < duration)
            {
                value.Value = $"row {total++}";
                _ = insert.ExecuteNonQuery();
                count++;
            }

            stopwatch.Stop();
            var rows = Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM Probe;"), CultureInfo.InvariantCulture);
            return rows == total
                ? new ProbeResult(count, stopwatch.Elapsed, null)
                : ProbeResult.Failed($"the commit probe wrote {total} rows but the table holds {rows}");
        }
        finally
        {
            Delete(path, path + "-wal", path + "-shm", path + "-journal");
        }
    }

    /// <summary>
    /// One-row durable commits/s on a PostgreSQL server: a table of its own in a fresh schema, and on each of
    /// <paramref name="connections"/> connections a prepared INSERT in autocommit (each its own transaction, so each
    /// waits for its own WAL flush) in a tight loop. With several connections the server may flush several commits at
    /// once. The schema is dropped afterwards.
    /// </summary>
    public static async Task<ProbeResult> MeasurePostgresCommitsAsync(PostgresServer server, int connections, TimeSpan duration)
    {
        var schema = server.NewSchemaName() + "_probe";
        try
        {
            using (var setup = server.Open())
            {
                // The name is one of NewSchemaName's (letters, digits, '_'), so quoting it is enough.
                await PgExecuteAsync(setup, $"CREATE SCHEMA \"{schema}\"").ConfigureAwait(false);
                await PgExecuteAsync(setup, $"CREATE TABLE \"{schema}\".probe (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, value text NOT NULL)")
                    .ConfigureAwait(false);
            }

            using var start = new Barrier(connections);
            var loops = Enumerable.Range(0, connections).Select(c => Task.Run(async () =>
            {
                using var connection = server.Open();
                using var insert = connection.CreateCommand();
                insert.CommandText = $"INSERT INTO \"{schema}\".probe (value) VALUES (@value)";
                var value = insert.Parameters.Add("value", NpgsqlTypes.NpgsqlDbType.Text);
                value.Value = "";
                await insert.PrepareAsync().ConfigureAwait(false);
                long written = 0;
                for (var i = 0; i < WarmUp; i++, written++)
                {
                    value.Value = $"{c} warm-up {i}";
                    _ = await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
                }

                start.SignalAndWait();
                long count = 0;
                var stopwatch = Stopwatch.StartNew();
                while (stopwatch.Elapsed < duration)
                {
                    value.Value = $"{c} row {count}";
                    _ = await insert.ExecuteNonQueryAsync().ConfigureAwait(false);
                    count++;
                }

                return (Count: count, Written: written + count, stopwatch.Elapsed);
            })).ToArray();
            var results = await Task.WhenAll(loops).ConfigureAwait(false);

            using var check = server.Open();
            await using var countRows = check.CreateCommand();
            countRows.CommandText = $"SELECT count(*) FROM \"{schema}\".probe";
            var rows = (long)(await countRows.ExecuteScalarAsync().ConfigureAwait(false))!;
            var expected = results.Sum(r => r.Written);
            return rows == expected
                ? new ProbeResult(results.Sum(r => r.Count), results.Max(r => r.Elapsed), null)
                : ProbeResult.Failed($"the PostgreSQL commit probe wrote {expected} rows but the table holds {rows}");
        }
        catch (NpgsqlException ex)
        {
            return ProbeResult.Failed($"the PostgreSQL commit probe failed: {ex.Message}");
        }
        finally
        {
            server.DropSchema(schema);
        }
    }

    private static async Task PgExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        _ = await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public static ProbeResult MeasureFlushes(BenchStore store, TimeSpan duration) => MeasureFlushes(store.ScratchFile("probe-flushes.bin"), duration);

    /// <summary>Flushes/s of the disk that holds <paramref name="path"/> (a new file, deleted afterwards).</summary>
    public static ProbeResult MeasureFlushes(string path, TimeSpan duration)
    {
        const int RecordBytes = 100;
        var record = new byte[RecordBytes];
        try
        {
            long count = 0;
            TimeSpan elapsed;
            // No FileStream buffer: every Write goes to the OS, then Flush(flushToDisk: true) is fsync.
            using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.None))
            {
                for (var i = 0; i < WarmUp; i++)
                {
                    file.Write(record);
                    file.Flush(flushToDisk: true);
                }

                var stopwatch = Stopwatch.StartNew();
                while (stopwatch.Elapsed < duration)
                {
                    record[0] = (byte)count;
                    file.Write(record);   // appends, as a log does
                    file.Flush(flushToDisk: true);
                    count++;
                }

                elapsed = stopwatch.Elapsed;
            }

            var expected = (WarmUp + count) * RecordBytes;
            var length = new FileInfo(path).Length;
            return length == expected
                ? new ProbeResult(count, elapsed, null)
                : ProbeResult.Failed($"the flush probe wrote {expected} bytes but the file holds {length}");
        }
        finally
        {
            Delete(path);
        }
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        _ = command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Delete(params string[] files)
    {
        foreach (var file in files)
        {
            File.Delete(file);
        }
    }
}

/// <summary>One probe: how many operations in how long; <paramref name="Error"/> is set when its own check failed.</summary>
internal sealed record ProbeResult(long Count, TimeSpan Elapsed, string? Error)
{
    public double PerSecond => Count / Elapsed.TotalSeconds;

    /// <summary>The mean time of one operation, in milliseconds.</summary>
    public double MeanMilliseconds => Elapsed.TotalMilliseconds / Count;

    public static ProbeResult Failed(string error) => new(0, TimeSpan.FromTicks(1), error);
}
