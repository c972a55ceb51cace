using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Perdure.Benchmarks;

/// <summary>
/// The machine's own limits, measured in the same run and in the same folder as the databases, so a reader sees how
/// far the engine is from the disk: (a) one-row durable SQLite commits/s (WAL, synchronous=FULL, one INSERT per
/// transaction, in a tight loop on one connection through Microsoft.Data.Sqlite), and (b) flushes/s of the same disk
/// (a small write then fsync, in a loop). Both files are fresh and deleted afterwards.
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

    public static ProbeResult MeasureFlushes(BenchStore store, TimeSpan duration)
    {
        const int RecordBytes = 100;
        var path = store.ScratchFile("probe-flushes.bin");
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
