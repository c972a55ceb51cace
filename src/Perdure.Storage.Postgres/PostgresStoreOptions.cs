using System.Text.RegularExpressions;

namespace Perdure.Storage.Postgres;

/// <summary>Settings of a <see cref="PostgresStore"/>. The task hub is not here: it comes from the worker or client options.</summary>
public sealed partial class PostgresStoreOptions
{
    /// <summary>The schema that holds Perdure's tables unless <see cref="Schema"/> names another.</summary>
    public const string DefaultSchema = "perdure";

    /// <summary>
    /// The Npgsql connection string (<c>Host=...;Port=...;Username=...;Password=...;Database=...</c>). Pooling settings in
    /// it (<c>Maximum Pool Size</c>, ...) apply to the store's one data source; <c>Search Path</c> is set by the store.
    /// </summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>
    /// The schema for Perdure's tables, created on first use if missing. Lower-case letters, digits and '_', starting with
    /// a letter or '_', at most 63 characters, so that it is the same identifier quoted or not. Default "perdure".
    /// </summary>
    public string Schema { get; set; } = DefaultSchema;

    /// <summary>
    /// How often the store wakes its dispatchers and waiters while its LISTEN connection is down (the database restarted,
    /// the network dropped), and how long it waits between attempts to listen again. Commits are announced by NOTIFY
    /// while the connection is up; this bounded poll is only the safety net. Default 1 second.
    /// </summary>
    public TimeSpan FallbackPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>How many times a transaction that failed on a deadlock or a serialization conflict is run again. Default 5.</summary>
    public int MaxTransactionRetries { get; set; } = 5;

    /// <summary>
    /// How long a request whose connection could not be opened or broke (the server restarting, a failover, a network
    /// failure) keeps running again, with pauses growing from 50 ms to 1 s, before the failure reaches the caller. A
    /// failure during COMMIT is never retried. Default 30 seconds; zero fails at once.
    /// </summary>
    /// <remarks>Measured in real time, not on the store's <see cref="TimeProvider"/>: it is about the server, not about business time.</remarks>
    public TimeSpan ReconnectTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How many write transactions this store runs at once, each on a pooled connection of its own. Write requests
    /// (claims, checkpoints, completions, new instances, ...) that arrive while all of them are busy queue up and go
    /// together into the next free one: one COMMIT and one wait for the disk for the whole group. Default 4.
    /// </summary>
    /// <remarks>
    /// More lanes let more transactions wait for the server at once; fewer make larger groups. The pool (Npgsql's
    /// <c>Maximum Pool Size</c>) must hold these, the LISTEN connection and the reads running at the same time.
    /// </remarks>
    public int WriteConnections { get; set; } = 4;

    /// <summary>The most write requests one transaction carries. Default 64.</summary>
    public int MaxBatchSize { get; set; } = 64;

    /// <summary>Returns a copy, so a store is not affected by later changes to the options it was created with.</summary>
    internal PostgresStoreOptions Clone() => (PostgresStoreOptions)MemberwiseClone();

    /// <summary>Checks <paramref name="schema"/> is a name the store can use as it is.</summary>
    /// <exception cref="ArgumentException">It is not.</exception>
    public static void ValidateSchema(string schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        if (!SchemaPattern().IsMatch(schema) || schema.StartsWith("pg_", StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"'{schema}' is not a usable PostgreSQL schema name for Perdure. Use lower-case letters, digits and '_', starting " +
                "with a letter or '_', at most 63 characters, not starting with 'pg_' (for example \"perdure\").",
                nameof(schema));
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex SchemaPattern();
}
