using System.Globalization;
using Microsoft.Extensions.Logging;
using Npgsql;
using Perdure.Storage.Postgres.Data;

namespace Perdure.Storage.Postgres.Schema;

/// <summary>Start-up checks and migrations: creates the schema and applies missing scripts under an advisory lock.</summary>
internal static class PostgresSchema
{
    /// <summary>
    /// The advisory lock every Perdure process takes to create or migrate a schema ("PERDURE" and 1). One key for all
    /// schemas: migrations are rare and short, and one key needs no hashing of names.
    /// </summary>
    public const long LockKey = 0x5045_5244_5552_4501;

    private static readonly Lazy<IReadOnlyList<Script>> AllScripts = new(LoadScripts);

    /// <summary>The scripts this build knows, in version order.</summary>
    public static IReadOnlyList<Script> Scripts => AllScripts.Value;

    /// <summary>The newest schema version this build knows.</summary>
    public static int LatestVersion => Scripts[^1].Version;

    /// <summary>
    /// Makes the schema current and returns its version: creates it if missing and runs every missing script in one
    /// transaction under <see cref="LockKey"/>, re-reading the version under the lock (another process may have migrated
    /// meanwhile). A schema newer than this build is refused before anything is written.
    /// </summary>
    public static async Task<int> PrepareAsync(
        NpgsqlDataSource dataSource, string schema, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        NpgsqlConnection connection;
        try
        {
            connection = await dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is NpgsqlException or TimeoutException or ArgumentException)
        {
            throw new PostgresDatabaseException(
                PostgresDatabaseProblem.CannotConnect,
                $"Cannot connect to PostgreSQL ({ex.Message}). Check the host, port, database, user name and password in " +
                "PostgresStoreOptions.ConnectionString, and that the server accepts connections from this machine.",
                ex);
        }

        await using (connection.ConfigureAwait(false))
        {
            // A quick look without the lock: a current schema (the common case) needs no lock and no write.
            var (exists, hasVersions) = await ReadExistenceAsync(connection, null, schema, cancellationToken).ConfigureAwait(false);
            if (exists && hasVersions)
            {
                var current = await ReadVersionAsync(connection, null, schema, cancellationToken).ConfigureAwait(false);
                if (current == LatestVersion)
                {
                    return current;
                }
            }

            try
            {
                return await MigrateAsync(connection, schema, time, logger, cancellationToken).ConfigureAwait(false);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.DuplicateTable)
            {
                throw new PostgresDatabaseException(
                    PostgresDatabaseProblem.NotPerdure,
                    $"The PostgreSQL schema '{schema}' already holds tables that Perdure did not create ({ex.MessageText}), so " +
                    "Perdure will not put its own beside them. Set PostgresStoreOptions.Schema to a schema of Perdure's own " +
                    $"(the default is \"{PostgresStoreOptions.DefaultSchema}\"). Nothing was written.",
                    ex);
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.InsufficientPrivilege)
            {
                throw new PostgresDatabaseException(
                    PostgresDatabaseProblem.NoPrivilege,
                    $"The PostgreSQL user may not create Perdure's schema '{schema}' or its tables ({ex.MessageText}). Grant it " +
                    $"CREATE on the database (or create the schema '{schema}' owned by it), or run the store once as a user that may.",
                    ex);
            }
        }
    }

    private static async Task<int> MigrateAsync(
        NpgsqlConnection connection, string schema, TimeProvider time, ILogger logger, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
        await using (transaction.ConfigureAwait(false))
        {
            await using (var command = Command(connection, transaction, "Startup/SchemaLock"))
            {
                command.With("@Key", LockKey);
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var (exists, hasVersions) = await ReadExistenceAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false);
            if (!exists)
            {
                // The one statement with a name in its text: the schema name, validated (PostgresStoreOptions.ValidateSchema)
                // to lower-case letters, digits and '_', and quoted. Identifiers cannot be parameters.
                await using var create = new NpgsqlCommand($"CREATE SCHEMA \"{schema}\"", connection, transaction);
                await create.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            var version = hasVersions ? await ReadVersionAsync(connection, transaction, schema, cancellationToken).ConfigureAwait(false) : 0;
            foreach (var script in Scripts.Where(s => s.Version > version))
            {
                await using (var apply = new NpgsqlCommand(script.Text, connection, transaction))
                {
                    await apply.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                await using (var record = Command(connection, transaction, "Startup/InsertSchemaVersion"))
                {
                    record.With("@Version", script.Version).With("@Name", script.Name).With("@AppliedAt", time.GetUtcNow());
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                Log.SchemaApplied(logger, script.Version, script.Name, schema);
                version = script.Version;
            }

            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return version;
        }
    }

    private static async Task<(bool Exists, bool HasVersions)> ReadExistenceAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "Startup/SchemaExists").With("@Schema", schema);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
        return (reader.GetBoolean(0), reader.GetBoolean(1));
    }

    private static async Task<int> ReadVersionAsync(
        NpgsqlConnection connection, NpgsqlTransaction? transaction, string schema, CancellationToken cancellationToken)
    {
        await using var command = Command(connection, transaction, "Startup/SelectSchemaVersion");
        var version = await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int v ? v : 0;
        if (version > LatestVersion)
        {
            throw new PostgresDatabaseException(
                PostgresDatabaseProblem.NewerSchema,
                $"The PostgreSQL schema '{schema}' is at Perdure schema version {version}, but this build of Perdure knows " +
                $"versions up to {LatestVersion}. A newer Perdure has migrated it; run that version (or newer) here too. " +
                "Schemas are never migrated backwards.");
        }

        return version;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? transaction, string statement) =>
        new(Sql.Get(statement), connection, transaction);

    private static List<Script> LoadScripts()
    {
        var scripts = Sql.Names("Schema/")
            .Select(n =>
            {
                var file = n["Schema/".Length..^".sql".Length];
                return new Script(int.Parse(file[..4], NumberStyles.None, CultureInfo.InvariantCulture), file, Sql.Read(n));
            })
            .OrderBy(s => s.Version)
            .ToList();
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Schema scripts must be numbered from 1 without gaps; found '{scripts[i].Name}' at position {i + 1}.");
            }
        }

        return scripts;
    }

    /// <summary>One embedded schema script.</summary>
    internal sealed record Script(int Version, string Name, string Text);
}
