using Npgsql;
using NpgsqlTypes;

namespace Perdure.Storage.Postgres.Data;

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

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, string? value) =>
        command.Add(name, NpgsqlDbType.Text, value);

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, long? value) =>
        command.Add(name, NpgsqlDbType.Bigint, value);

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, int? value) =>
        command.Add(name, NpgsqlDbType.Integer, value);

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, DateTimeOffset? value) =>
        command.Add(name, NpgsqlDbType.Bigint, value?.UtcTicks);

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, long[]? value) =>
        command.Add(name, NpgsqlDbType.Array | NpgsqlDbType.Bigint, value);

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, string[]? value) =>
        command.Add(name, NpgsqlDbType.Array | NpgsqlDbType.Text, value);

    public static NpgsqlBatchCommand With(this NpgsqlBatchCommand command, string name, int[]? value) =>
        command.Add(name, NpgsqlDbType.Array | NpgsqlDbType.Integer, value);

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

    private static NpgsqlBatchCommand Add(this NpgsqlBatchCommand command, string name, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name.TrimStart('@'), type) { Value = value ?? DBNull.Value });
        return command;
    }

    private static NpgsqlCommand Add(this NpgsqlCommand command, string name, NpgsqlDbType type, object? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name.TrimStart('@'), type) { Value = value ?? DBNull.Value });
        return command;
    }
}
