using Perdure.Core.Entities;

namespace Perdure.Storage.Postgres;

// Durable entities are not stored on PostgreSQL yet (issue 6, next step: schema script 0002 with Entities, EntityStates
// and EntityMessages as on SQLite). Every entity member says so instead of pretending to work, except the claim, which
// truthfully finds nothing to claim.
public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: entities are not supported by this store yet.</exception>
    public Task SendEntityMessageAsync(EntityInboxMessage message, CancellationToken cancellationToken) => throw new NotSupportedException(EntitiesNotSupported);

    /// <inheritdoc/>
    /// <remarks>
    /// Claims nothing: no entity can exist here yet (<see cref="SendEntityMessageAsync"/> refuses every message). It
    /// does not throw, because every worker's entity dispatcher claims from its start; throwing would fill the logs of
    /// workers that use no entities.
    /// </remarks>
    public Task<IReadOnlyList<EntityWorkItem>> ClaimEntitiesAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return Task.FromResult<IReadOnlyList<EntityWorkItem>>([]);
    }

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: entities are not supported by this store yet.</exception>
    public Task RenewEntityLeaseAsync(EntityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotSupported);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: entities are not supported by this store yet.</exception>
    public Task<IReadOnlyList<string>> CompleteEntityAsync(EntityWorkItem workItem, EntityCheckpoint checkpoint, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotSupported);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: entities are not supported by this store yet.</exception>
    public Task AbandonEntityAsync(EntityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotSupported);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: entities are not supported by this store yet.</exception>
    public Task<StoredEntity?> GetEntityAsync(string entityId, bool includeState, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotSupported);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: entities are not supported by this store yet.</exception>
    public Task<StoredEntityPage> QueryEntitiesAsync(StoredEntityQuery query, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotSupported);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: entities are not supported by this store yet.</exception>
    public Task<EntityCleanupResult> CleanEntityStorageAsync(EntityCleanupRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotSupported);

    /// <inheritdoc/>
    /// <exception cref="NotSupportedException">Always: entities are not supported by this store yet.</exception>
    public Task<int> PurgeEntityAsync(string entityId, CancellationToken cancellationToken) => throw new NotSupportedException(EntitiesNotSupported);
}
