using Npgsql;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;

namespace Perdure.Storage.Postgres.Data;

/// <summary>Reads instance rows (the column order is <see cref="StoredInstanceRow"/>'s) and binds the parent columns.</summary>
internal static class InstanceRow
{
    public const int HistoryLength = StoredInstanceRow.HistoryLength;

    public static InstanceState Read(NpgsqlDataReader reader, bool withPayloads) => StoredInstanceRow.Read(reader, withPayloads);

    /// <summary>Reads the row; <paramref name="payloads"/> (input, output, custom status) replaces payload columns when given.</summary>
    public static InstanceState Read(NpgsqlDataReader reader, bool withPayloads, (string? Input, string? Output, string? CustomStatus)? payloads) =>
        StoredInstanceRow.Read(reader, withPayloads, payloads);

    public static NpgsqlCommand WithParent(this NpgsqlCommand command, ParentInstance? parent) => command
        .With("@ParentName", parent?.Name)
        .With("@ParentInstanceId", parent?.InstanceId)
        .With("@ParentExecutionId", parent?.ExecutionId)
        .With("@ParentTaskScheduledId", parent?.TaskScheduledId);

    public static NpgsqlBatchCommand WithParent(this NpgsqlBatchCommand command, ParentInstance? parent) => command
        .With("@ParentName", parent?.Name)
        .With("@ParentInstanceId", parent?.InstanceId)
        .With("@ParentExecutionId", parent?.ExecutionId)
        .With("@ParentTaskScheduledId", parent?.TaskScheduledId);
}
