using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.Storage;

namespace Perdure.Client;

/// <summary>
/// The SDK's entity client over a Perdure store: signals go into the entity's inbox, reads and queries read the entity
/// rows, cleaning and purging work on them directly. See docs/entities.md.
/// </summary>
internal sealed class PerdureEntityClient : DurableEntityClient
{
    private readonly IPerdureStore _store;
    private readonly DataConverter _dataConverter;

    public PerdureEntityClient(string name, IPerdureStore store, DataConverter dataConverter)
        : base(name)
    {
        _store = store;
        _dataConverter = dataConverter;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The signal is committed to the entity's inbox (creating the entity if it has never been used) before the task
    /// completes; with <see cref="SignalEntityOptions.SignalTime"/> it becomes visible at that time. Signals sent one after
    /// another by one caller are applied in that order; signals sent concurrently have no defined order.
    /// </remarks>
    /// <exception cref="ArgumentException">The entity id or the operation name is missing or malformed; nothing was sent.</exception>
    public override async Task SignalEntityAsync(
        EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null, CancellationToken cancellation = default)
    {
        var entityId = ToCore(id, nameof(id));
        ArgumentException.ThrowIfNullOrWhiteSpace(operationName);
        var message = new EntityInboxMessage
        {
            EntityId = entityId.ToString(),
            Message = new EntitySignalMessage { Operation = operationName, Input = input is null ? null : _dataConverter.Serialize(input) },
            VisibleAt = options?.SignalTime,
        };
        await _store.SendEntityMessageAsync(message, cancellation).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Null for an entity without state: one never used, deleted, or only holding messages or a lock.</remarks>
    public override async Task<EntityMetadata?> GetEntityAsync(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        var stored = await GetStoredAsync(id, includeState, cancellation).ConfigureAwait(false);
        return stored is null ? null : ToMetadata(stored, includeState);
    }

    /// <inheritdoc/>
    /// <remarks>Null for an entity without state. The state is read with the client's <see cref="DataConverter"/>.</remarks>
    public override async Task<EntityMetadata<T>?> GetEntityAsync<T>(EntityInstanceId id, bool includeState = true, CancellationToken cancellation = default)
    {
        var stored = await GetStoredAsync(id, includeState, cancellation).ConfigureAwait(false);
        return stored is null ? null : ToMetadata<T>(stored, includeState);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Pages are ordered by entity id. <see cref="EntityQuery.InstanceIdStartsWith"/> may leave out the leading '@'; its
    /// name part is matched case-insensitively (entity names are stored lower-case), the key part exactly.
    /// </remarks>
    public override AsyncPageable<EntityMetadata> GetAllEntitiesAsync(EntityQuery? filter = null) =>
        Query(filter, (stored, includeState) => ToMetadata(stored, includeState));

    /// <inheritdoc/>
    public override AsyncPageable<EntityMetadata<T>> GetAllEntitiesAsync<T>(EntityQuery? filter = null) =>
        Query(filter, (stored, includeState) => ToMetadata<T>(stored, includeState));

    /// <inheritdoc/>
    /// <remarks>
    /// Removes entities with no state, lock or waiting message, and releases locks whose holder is not a Pending, Running or
    /// Suspended orchestration at the execution that took them (the holder was purged, finished, or continued as new); the
    /// messages that waited for such a lock are served next.
    /// </remarks>
    public override async Task<CleanEntityStorageResult> CleanEntityStorageAsync(
        CleanEntityStorageRequest? request = null, bool continueUntilComplete = true, CancellationToken cancellation = default)
    {
        var asked = request ?? CleanEntityStorageRequest.Default;
        var removed = 0;
        var released = 0;
        var token = asked.ContinuationToken;
        do
        {
            var result = await _store.CleanEntityStorageAsync(
                new EntityCleanupRequest
                {
                    RemoveEmptyEntities = asked.RemoveEmptyEntities,
                    ReleaseOrphanedLocks = asked.ReleaseOrphanedLocks,
                    ContinuationToken = token,
                },
                cancellation).ConfigureAwait(false);
            removed += result.EmptyEntitiesRemoved;
            released += result.OrphanedLocksReleased;
            token = result.ContinuationToken;
        }
        while (continueUntilComplete && token is not null);

        return new CleanEntityStorageResult { EmptyEntitiesRemoved = removed, OrphanedLocksReleased = released, ContinuationToken = token };
    }

    /// <summary>Converts and validates an id given by user code.</summary>
    private static EntityId ToCore(EntityInstanceId id, string paramName) => EntityId.FromUserParts(id.Name, id.Key, paramName);

    /// <summary>The store prefix for the SDK's <see cref="EntityQuery.InstanceIdStartsWith"/>: a leading '@', the name part lower-cased.</summary>
    internal static string? ToStorePrefix(string? startsWith)
    {
        if (string.IsNullOrEmpty(startsWith))
        {
            return null;
        }

        var prefix = startsWith[0] == '@' ? startsWith : "@" + startsWith;
        var separator = prefix.IndexOf('@', 1);
        return separator < 0
            ? prefix.ToLowerInvariant()
            : prefix[..separator].ToLowerInvariant() + prefix[separator..];
    }

    private async Task<StoredEntity?> GetStoredAsync(EntityInstanceId id, bool includeState, CancellationToken cancellation)
    {
        var entityId = ToCore(id, nameof(id));
        var stored = await _store.GetEntityAsync(entityId.ToString(), includeState, cancellation).ConfigureAwait(false);
        return stored is { HasState: true } ? stored : null;
    }

    private AsyncPageable<TMetadata> Query<TMetadata>(EntityQuery? filter, Func<StoredEntity, bool, TMetadata> map)
        where TMetadata : notnull
    {
        var defaultPageSize = filter?.PageSize ?? EntityQuery.DefaultPageSize;
        if (defaultPageSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(filter), defaultPageSize, "EntityQuery.PageSize must be at least 1.");
        }

        var includeState = filter?.IncludeState ?? true;
        var prefix = ToStorePrefix(filter?.InstanceIdStartsWith);
        return Pageable.Create<TMetadata>(async (continuation, pageSizeHint, cancellation) =>
        {
            var page = await _store.QueryEntitiesAsync(
                new StoredEntityQuery
                {
                    EntityIdPrefix = prefix,
                    LastModifiedFrom = filter?.LastModifiedFrom,
                    LastModifiedTo = filter?.LastModifiedTo,
                    IncludeState = includeState,
                    IncludeTransient = filter?.IncludeTransient ?? false,
                    PageSize = pageSizeHint is > 0 ? pageSizeHint.Value : defaultPageSize,
                    ContinuationToken = continuation ?? filter?.ContinuationToken,
                },
                cancellation).ConfigureAwait(false);
            return new Page<TMetadata>([.. page.Entities.Select(e => map(e, includeState))], page.ContinuationToken);
        });
    }

    private EntityMetadata ToMetadata(StoredEntity stored, bool includeState)
    {
        var id = ToSdk(stored.EntityId);
        return includeState && stored.State is not null
            ? new EntityMetadata(id, new SerializedData(stored.State, _dataConverter))
            {
                LastModifiedTime = stored.LastModifiedAt, BacklogQueueSize = stored.BacklogCount, LockedBy = stored.LockHolder?.InstanceId,
            }
            : new EntityMetadata(id)
            {
                LastModifiedTime = stored.LastModifiedAt, BacklogQueueSize = stored.BacklogCount, LockedBy = stored.LockHolder?.InstanceId,
            };
    }

    private EntityMetadata<T> ToMetadata<T>(StoredEntity stored, bool includeState)
    {
        var id = ToSdk(stored.EntityId);
        return includeState && stored.State is not null
            ? new EntityMetadata<T>(id, _dataConverter.Deserialize<T>(stored.State)!)
            {
                LastModifiedTime = stored.LastModifiedAt, BacklogQueueSize = stored.BacklogCount, LockedBy = stored.LockHolder?.InstanceId,
            }
            : new EntityMetadata<T>(id)
            {
                LastModifiedTime = stored.LastModifiedAt, BacklogQueueSize = stored.BacklogCount, LockedBy = stored.LockHolder?.InstanceId,
            };
    }

    private static EntityInstanceId ToSdk(string entityId)
    {
        var parsed = EntityId.ParseExact(entityId);
        return new EntityInstanceId(parsed.Name, parsed.Key);
    }
}
