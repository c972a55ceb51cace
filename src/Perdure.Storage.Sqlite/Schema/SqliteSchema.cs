using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Perdure.Storage.Sqlite.Data;

namespace Perdure.Storage.Sqlite.Schema;

/// <summary>
/// The versioned schema: numbered scripts embedded as <c>Schema/NNNN_Name.sql</c>, applied in order inside
/// <c>BEGIN IMMEDIATE</c> and recorded in <c>PerdureSchemaVersions</c>. Before anything is written, the file is checked:
/// it must open for writing, be SQLite, and be empty or a Perdure database no newer than this build.
/// </summary>
internal static class SqliteSchema
{
    private const string VersionsTable = "PerdureSchemaVersions";

    /// <summary>Every schema script, in version order (1, 2, ...).</summary>
    public static IReadOnlyList<SchemaScript> Scripts { get; } = Load();

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => Scripts[^1].Version;

    /// <summary>
    /// Checks the database and brings it to <paramref name="targetVersion"/> (the latest by default); returns the version
    /// it has afterwards.
    /// </summary>
    /// <exception cref="SqliteDatabaseException">The database cannot be used; nothing was written to it.</exception>
    public static int Prepare(SqliteConnections connections, TimeProvider time, ILogger logger, int? targetVersion = null)
    {
        var path = connections.DatabasePath;
        var target = targetVersion ?? LatestVersion;
        SqliteConnection connection;
        try
        {
            connection = connections.OpenRaw();
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, path);
        }

        using (connection)
        {
            try
            {
                if (SqliteConnections.IsReadOnly(connection))
                {
                    throw new SqliteDatabaseException(SqliteDatabaseProblem.ReadOnly, path,
                        $"The SQLite database '{path}' can only be read (file permissions, a read-only disk or Mode=ReadOnly in the " +
                        "connection string). Perdure writes every step to it: give the process write access to the file and its " +
                        "directory, or point UseSqlite at another file.");
                }

                // Read-only checks first: a foreign or newer file must not even be switched to WAL.
                var found = ReadVersion(connection, null, path);
                EnableWal(connection, path);
                if (found >= target)
                {
                    return found;
                }

                using var transaction = connection.BeginTransaction(deferred: false);
                found = ReadVersion(connection, transaction, path);
                foreach (var script in Scripts.Where(s => s.Version > found && s.Version <= target))
                {
                    using (var apply = connection.CreateCommand())
                    {
                        apply.Transaction = transaction;
#pragma warning disable CA2100 // An embedded schema script of this assembly, not user input.
                        apply.CommandText = script.Text;
#pragma warning restore CA2100
                        apply.ExecuteNonQuery();
                    }

                    using (var record = connection.CreateCommand())
                    {
                        record.Transaction = transaction;
                        record.CommandText = Sql.Get("Startup/InsertSchemaVersion");
                        record.With("@Version", script.Version).With("@Name", script.Name).With("@AppliedAt", time.GetUtcNow()).ExecuteNonQuery();
                    }

                    Log.SchemaApplied(logger, script.Version, script.Name, path);
                }

                transaction.Commit();
                return Math.Max(found, target);
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, path);
            }
        }
    }

    private static int ReadVersion(SqliteConnection connection, SqliteTransaction? transaction, string path)
    {
        var tables = new List<string>();
        using (var list = connection.CreateCommand())
        {
            list.Transaction = transaction;
            list.CommandText = Sql.Get("Startup/ListTables");
            using var reader = list.ExecuteReader();
            while (reader.Read())
            {
                tables.Add(reader.GetString(0));
            }
        }

        if (tables.Count == 0)
        {
            return 0;
        }

        if (!tables.Contains(VersionsTable, StringComparer.OrdinalIgnoreCase))
        {
            throw new SqliteDatabaseException(SqliteDatabaseProblem.NotPerdure, path,
                $"The SQLite database '{path}' is not a Perdure database: it has tables of another application " +
                $"({string.Join(", ", tables.Take(5))}{(tables.Count > 5 ? ", ..." : "")}) and no {VersionsTable} table. " +
                "Perdure left it untouched; point UseSqlite at a new file or at an existing Perdure database.");
        }

        int version;
        using (var select = connection.CreateCommand())
        {
            select.Transaction = transaction;
            select.CommandText = Sql.Get("Startup/SelectSchemaVersion");
            version = select.ExecuteScalar() is long v ? (int)v : 0;
        }

        if (version > LatestVersion)
        {
            throw new SqliteDatabaseException(SqliteDatabaseProblem.NewerSchema, path,
                $"The SQLite database '{path}' has Perdure schema version {version}, but this build of Perdure knows schema " +
                $"versions up to {LatestVersion}. It was written by a newer Perdure; upgrade Perdure, or point UseSqlite at " +
                "another file. Perdure left it untouched.");
        }

        return version;
    }

    private static void EnableWal(SqliteConnection connection, string path)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Sql.Get("Startup/EnableWal");
        var mode = command.ExecuteScalar() as string;
        if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException(
                $"The SQLite database '{path}' could not be switched to write-ahead logging (journal mode is '{mode}'). " +
                "Perdure needs WAL; put the file on a local file system that supports shared memory.");
        }
    }

    private static Exception Translate(SqliteException ex, string path) => ex.SqliteErrorCode switch
    {
        // SQLITE_CANTOPEN
        14 => new SqliteDatabaseException(SqliteDatabaseProblem.CannotOpen, path,
            $"The SQLite database '{path}' cannot be opened or created ({ex.Message}). Check that the directory exists, " +
            "that the path is not a directory, and that the process may read and write there.", ex),
        // SQLITE_NOTADB, SQLITE_CORRUPT
        26 or 11 => new SqliteDatabaseException(SqliteDatabaseProblem.NotSqlite, path,
            $"The file '{path}' is not a SQLite database ({ex.Message}). Perdure left it untouched; point UseSqlite at a " +
            "new file or at an existing Perdure database.", ex),
        // SQLITE_READONLY
        8 => new SqliteDatabaseException(SqliteDatabaseProblem.ReadOnly, path,
            $"The SQLite database '{path}' can only be read ({ex.Message}). Give the process write access to the file and " +
            "its directory, or point UseSqlite at another file.", ex),
        _ => ex,
    };

    private static List<SchemaScript> Load()
    {
        var scripts = Sql.Names("Schema/")
            .Select(name =>
            {
                var file = name["Schema/".Length..^".sql".Length];
                var separator = file.IndexOf('_', StringComparison.Ordinal);
                return new SchemaScript(int.Parse(file[..separator], NumberStyles.None, CultureInfo.InvariantCulture), file, Sql.Read(name));
            })
            .OrderBy(s => s.Version)
            .ToList();
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Schema scripts must be numbered 1, 2, 3, ... without gaps; found '{scripts[i].Name}' at position {i + 1}.");
            }
        }

        return scripts;
    }
}

/// <summary>One schema script: its version, its file name without extension, and its SQL.</summary>
internal sealed record SchemaScript(int Version, string Name, string Text);
