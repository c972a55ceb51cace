using Perdure.Core.Entities;

namespace Perdure.Storage.Sqlite;

// Entities on SQLite arrive with schema 0002 (issue 5). Until then every entity member refuses clearly instead of
// pretending: nothing is read or written.
public sealed partial class SqliteStore
{
    private const string EntitiesNotAvailable =
        "Durable entities are not yet available on the SQLite store. Use the in-memory store (UseInMemory) for entities meanwhile.";

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task SendEntityMessageAsync(EntityInboxMessage message, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task<IReadOnlyList<EntityWorkItem>> ClaimEntitiesAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task RenewEntityLeaseAsync(EntityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task<IReadOnlyList<string>> CompleteEntityAsync(EntityWorkItem workItem, EntityCheckpoint checkpoint, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task AbandonEntityAsync(EntityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task<StoredEntity?> GetEntityAsync(string entityId, bool includeState, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task<StoredEntityPage> QueryEntitiesAsync(StoredEntityQuery query, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task<EntityCleanupResult> CleanEntityStorageAsync(EntityCleanupRequest request, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);

    /// <summary>Not yet available on the SQLite store.</summary>
    /// <exception cref="NotSupportedException">Always; entities need the in-memory store for now.</exception>
    public Task<int> PurgeEntityAsync(string entityId, CancellationToken cancellationToken) =>
        throw new NotSupportedException(EntitiesNotAvailable);
}
