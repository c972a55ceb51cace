using Microsoft.Data.Sqlite;
using Perdure.Core.Entities;

namespace Perdure.Storage.Sqlite.Data;

/// <summary>
/// Reads an entity row in the column order entity reads use: EntityId, LastModifiedAt, LockHolderInstanceId,
/// LockHolderExecutionId, LockHolderTaskId, HasState, State (null unless asked for), BacklogCount.
/// </summary>
internal static class EntityRow
{
    public static StoredEntity Read(SqliteDataReader reader) => new()
    {
        EntityId = reader.GetString(0),
        LastModifiedAt = SqliteCommandExtensions.ToTime(reader.GetInt64(1)),
        LockHolder = ReadLockHolder(reader, 2),
        HasState = reader.GetBoolean(5),
        State = reader.GetStringOrNull(6),
        BacklogCount = reader.GetInt32(7),
    };

    /// <summary>The lock holder from three columns (instance id, execution id, task id) starting at <paramref name="ordinal"/>.</summary>
    public static EntityCaller? ReadLockHolder(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal)
            ? null
            : new EntityCaller(reader.GetString(ordinal), reader.GetString(ordinal + 1), reader.GetInt32(ordinal + 2));

    public static SqliteCommand WithLockHolder(this SqliteCommand command, EntityCaller? holder) => command
        .With("@LockHolderInstanceId", holder?.InstanceId)
        .With("@LockHolderExecutionId", holder?.ExecutionId)
        .With("@LockHolderTaskId", holder?.TaskId);
}
