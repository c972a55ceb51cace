using Npgsql;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;

namespace Perdure.Storage.Postgres.Data;

/// <summary>
/// Reads an instance row in the column order every instance statement uses: InstanceId, ExecutionId, Name, Version,
/// Status, CreatedAt, LastUpdatedAt, CompletedAt, ScheduledStartAt, Tags, ParentName, ParentInstanceId,
/// ParentExecutionId, ParentTaskScheduledId, TraceParent, Failure, HistoryLength, and optionally Input, Output,
/// CustomStatus.
/// </summary>
internal static class InstanceRow
{
    public const int HistoryLength = 16;

    public static InstanceState Read(NpgsqlDataReader reader, bool withPayloads) => Read(reader, withPayloads, null);

    /// <summary>Reads the row; <paramref name="payloads"/> (input, output, custom status) replaces payload columns when given.</summary>
    public static InstanceState Read(NpgsqlDataReader reader, bool withPayloads, (string? Input, string? Output, string? CustomStatus)? payloads)
    {
        ParentInstance? parent = reader.IsDBNull(11)
            ? null
            : new ParentInstance(reader.GetString(10), reader.GetString(11), reader.GetString(12), reader.GetInt32(13));
        var state = new InstanceState
        {
            InstanceId = reader.GetString(0),
            ExecutionId = reader.GetString(1),
            Name = reader.GetString(2),
            Version = reader.GetStringOrNull(3),
            Status = (OrchestrationStatus)reader.GetInt32(4),
            CreatedAt = PgCommandExtensions.ToTime(reader.GetInt64(5)),
            LastUpdatedAt = PgCommandExtensions.ToTime(reader.GetInt64(6)),
            CompletedAt = reader.GetTimeOrNull(7),
            ScheduledStartAt = reader.GetTimeOrNull(8),
            Tags = StoredJson.DeserializeTags(reader.GetStringOrNull(9)),
            Parent = parent,
            TraceParent = reader.GetStringOrNull(14),
            Failure = StoredJson.DeserializeFailure(reader.GetStringOrNull(15)),
        };
        if (payloads is { } p)
        {
            return state with { Input = p.Input, Output = p.Output, CustomStatus = p.CustomStatus };
        }

        return withPayloads
            ? state with { Input = reader.GetStringOrNull(17), Output = reader.GetStringOrNull(18), CustomStatus = reader.GetStringOrNull(19) }
            : state;
    }

    public static NpgsqlCommand WithParent(this NpgsqlCommand command, ParentInstance? parent) => command
        .With("@ParentName", parent?.Name)
        .With("@ParentInstanceId", parent?.InstanceId)
        .With("@ParentExecutionId", parent?.ExecutionId)
        .With("@ParentTaskScheduledId", parent?.TaskScheduledId);
}
