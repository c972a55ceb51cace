using Microsoft.Data.Sqlite;

namespace Perdure.Storage.Sqlite.Data;

/// <summary>Binding values to statement parameters; nulls become SQL NULL, times become UTC ticks.</summary>
internal static class SqliteCommandExtensions
{
    public static SqliteCommand With(this SqliteCommand command, string name, string? value)
    {
        command.Parameters.AddWithValue(name, (object?)value ?? DBNull.Value);
        return command;
    }

    public static SqliteCommand With(this SqliteCommand command, string name, long value)
    {
        command.Parameters.AddWithValue(name, value);
        return command;
    }

    public static SqliteCommand With(this SqliteCommand command, string name, long? value)
    {
        command.Parameters.AddWithValue(name, value is { } v ? v : DBNull.Value);
        return command;
    }

    public static SqliteCommand With(this SqliteCommand command, string name, DateTimeOffset value) =>
        command.With(name, value.UtcTicks);

    public static SqliteCommand With(this SqliteCommand command, string name, DateTimeOffset? value) =>
        command.With(name, value?.UtcTicks);

    public static DateTimeOffset ToTime(long ticks) => new(ticks, TimeSpan.Zero);

    public static DateTimeOffset? GetTimeOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : ToTime(reader.GetInt64(ordinal));

    public static string? GetStringOrNull(this SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
