using System.Data.Common;
using Perdure.Core.History;

namespace Perdure.Core.Storage;

/// <summary>
/// Reads an instance row of a relational store in the column order every instance statement of the SQLite and
/// PostgreSQL stores uses: InstanceId, ExecutionId, Name, Version, Status, CreatedAt, LastUpdatedAt, CompletedAt,
/// ScheduledStartAt, Tags, ParentName, ParentInstanceId, ParentExecutionId, ParentTaskScheduledId, TraceParent, Failure,
/// HistoryLength, and optionally Input, Output, CustomStatus. Times are UTC ticks; tags and failure are
/// <see cref="StoredJson"/>.
/// </summary>
public static class StoredInstanceRow
{
    /// <summary>The ordinal of the HistoryLength column.</summary>
    public const int HistoryLength = 16;

    /// <summary>Reads the row; <paramref name="payloads"/> (input, output, custom status) replaces payload columns when given.</summary>
    /// <param name="reader">A reader positioned on the row.</param>
    /// <param name="withPayloads">Whether the row carries the three payload columns after HistoryLength.</param>
    /// <param name="payloads">Payloads read by another statement, or null.</param>
    public static InstanceState Read(DbDataReader reader, bool withPayloads, (string? Input, string? Output, string? CustomStatus)? payloads = null)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ParentInstance? parent = reader.IsDBNull(11)
            ? null
            : new ParentInstance(reader.GetString(10), reader.GetString(11), reader.GetString(12), reader.GetInt32(13));
        var state = new InstanceState
        {
            InstanceId = reader.GetString(0),
            ExecutionId = reader.GetString(1),
            Name = reader.GetString(2),
            Version = StringOrNull(reader, 3),
            Status = (OrchestrationStatus)reader.GetInt32(4),
            CreatedAt = Time(reader.GetInt64(5)),
            LastUpdatedAt = Time(reader.GetInt64(6)),
            CompletedAt = reader.IsDBNull(7) ? null : Time(reader.GetInt64(7)),
            ScheduledStartAt = reader.IsDBNull(8) ? null : Time(reader.GetInt64(8)),
            Tags = StoredJson.DeserializeTags(StringOrNull(reader, 9)),
            Parent = parent,
            TraceParent = StringOrNull(reader, 14),
            Failure = StoredJson.DeserializeFailure(StringOrNull(reader, 15)),
        };
        if (payloads is { } p)
        {
            return state with { Input = p.Input, Output = p.Output, CustomStatus = p.CustomStatus };
        }

        return withPayloads
            ? state with { Input = StringOrNull(reader, 17), Output = StringOrNull(reader, 18), CustomStatus = StringOrNull(reader, 19) }
            : state;
    }

    private static DateTimeOffset Time(long ticks) => new(ticks, TimeSpan.Zero);

    private static string? StringOrNull(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
}
