using Npgsql;
using NpgsqlTypes;

namespace Perdure.Storage.Postgres.Data;

/// <summary>
/// One transaction (or, for reads, one connection) of the store: builds commands from the embedded statements with
/// <c>@TaskHub</c> bound, and collects what a write changed so the store can wake dispatchers and waiters after commit.
/// </summary>
internal sealed class PgSession(NpgsqlConnection connection, NpgsqlTransaction? transaction, string taskHub, DateTimeOffset now)
{
    /// <summary>The store's clock when the transaction began: every time the transaction writes.</summary>
    public DateTimeOffset Now { get; } = now;

    public string TaskHub { get; } = taskHub;

    /// <summary>Orchestration work may have become visible (or delayed orchestration work was added).</summary>
    public bool OrchestrationWork { get; set; }

    /// <summary>Activity work may have become visible (or delayed activity work was added).</summary>
    public bool ActivityWork { get; set; }

    /// <summary>The instances whose rows changed.</summary>
    public HashSet<string> Instances { get; } = new(StringComparer.Ordinal);

    /// <summary>Every instance of the hub may have changed.</summary>
    public bool AllInstances { get; set; }

    public NpgsqlCommand Command(string statement)
    {
        var command = new NpgsqlCommand(Sql.Get(statement), connection, transaction);
        if (command.CommandText.Contains("@TaskHub", StringComparison.Ordinal))
        {
            command.With("@TaskHub", TaskHub);
        }

        return command;
    }

    /// <summary>
    /// Several statements sent in one round trip. Each runs with a snapshot of its own taken when it starts (READ
    /// COMMITTED), so a later statement sees what the earlier ones locked and everything committed before those locks.
    /// Bind parameters with <see cref="PgCommandExtensions.With(NpgsqlBatch, string, string?)"/> and friends.
    /// </summary>
    public NpgsqlBatch Batch(params string[] statements)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql.Get(statement)));
        }

        return batch.With("@TaskHub", TaskHub);
    }
}

/// <summary>Typed parameter binding: every parameter carries its PostgreSQL type, so null values need no inference.</summary>
internal static class PgCommandExtensions
{
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, string? value) =>
        command.Add(name, NpgsqlDbType.Text, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, long? value) =>
        command.Add(name, NpgsqlDbType.Bigint, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, int? value) =>
        command.Add(name, NpgsqlDbType.Integer, value);

    /// <summary>Times are stored as .NET ticks (100 ns) in UTC, so every value round-trips exactly.</summary>
    public static NpgsqlCommand With(this NpgsqlCommand command, string name, DateTimeOffset? value) =>
        command.Add(name, NpgsqlDbType.Bigint, value?.UtcTicks);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, long[]? value) =>
        command.Add(name, NpgsqlDbType.Array | NpgsqlDbType.Bigint, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, string[]? value) =>
        command.Add(name, NpgsqlDbType.Array | NpgsqlDbType.Text, value);

    public static NpgsqlCommand With(this NpgsqlCommand command, string name, int[]? value) =>
        command.Add(name, NpgsqlDbType.Array | NpgsqlDbType.Integer, value);

    public static NpgsqlBatch With(this NpgsqlBatch batch, string name, string? value) => batch.Add(name, NpgsqlDbType.Text, value);

    public static NpgsqlBatch With(this NpgsqlBatch batch, string name, long? value) => batch.Add(name, NpgsqlDbType.Bigint, value);

    public static NpgsqlBatch With(this NpgsqlBatch batch, string name, DateTimeOffset? value) => batch.Add(name, NpgsqlDbType.Bigint, value?.UtcTicks);

    public static DateTimeOffset ToTime(long ticks) => new(ticks, TimeSpan.Zero);

    public static string? GetStringOrNull(this NpgsqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    public static DateTimeOffset? GetTimeOrNull(this NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ToTime(reader.GetInt64(ordinal));

    /// <summary>Binds the parameter in every statement of the batch that uses it (a parameter belongs to one statement).</summary>
    private static NpgsqlBatch Add(this NpgsqlBatch batch, string name, NpgsqlDbType type, object? value)
    {
        foreach (var command in batch.BatchCommands)
        {
            if (command.CommandText.Contains(name, StringComparison.Ordinal))
            {
                command.Parameters.Add(new NpgsqlParameter(name.TrimStart('@'), type) { Value = value ?? DBNull.Value });
            }
        }

        return batch;
    }

    private static NpgsqlCommand Add(this NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name.TrimStart('@'), type) { Value = value ?? DBNull.Value });
        return command;
    }
}
