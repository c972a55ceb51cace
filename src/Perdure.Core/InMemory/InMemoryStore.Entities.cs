using Perdure.Core.Entities;

namespace Perdure.Core.InMemory;

public sealed partial class InMemoryStore
{
    /// <inheritdoc/>
    public Task SendEntityMessageAsync(EntityInboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        message.Validate();
        lock (_gate)
        {
            EnqueueEntityMessage(message, _time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<EntityWorkItem>> ClaimEntitiesAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var claimed = new List<EntityWorkItem>();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            while (_dueEntities.TryPeek(out var dueId, out var dueAt) && dueAt <= now)
            {
                _dueEntities.Dequeue();
                if (_entities.TryGetValue(dueId, out var due) && !due.Queued)
                {
                    due.Queued = true;
                    _readyEntities.Enqueue(dueId);
                }
            }

            while (claimed.Count < maxCount && _readyEntities.TryDequeue(out var entityId))
            {
                if (!_entities.TryGetValue(entityId, out var record))
                {
                    continue;
                }

                record.Queued = false;
                if (!IsClaimable(record, now))
                {
                    continue;
                }

                var lease = new Lease(lockedBy, now + leaseDuration);
                record.Lease = lease;
                record.NotBefore = null;
                _dueEntities.Enqueue(entityId, lease.LockExpiration);
                var messages = record.Inbox.Where(m => IsVisible(m, now)).ToArray();
                claimed.Add(new EntityWorkItem(Snapshot(record, includeState: true), messages, lease));
            }
        }

        return Task.FromResult<IReadOnlyList<EntityWorkItem>>(claimed);
    }

    /// <inheritdoc/>
    public Task RenewEntityLeaseAsync(EntityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        lock (_gate)
        {
            var record = OwnedEntity(workItem);
            var lease = new Lease(workItem.Lease.LockedBy, _time.GetUtcNow() + leaseDuration);
            record.Lease = lease;
            workItem.Lease = lease;
            _dueEntities.Enqueue(workItem.EntityId, lease.LockExpiration);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<string>> CompleteEntityAsync(EntityWorkItem workItem, EntityCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.Validate(workItem);
        var notStarted = new List<string>();
        lock (_gate)
        {
            // Everything that can refuse the commit is checked above and here, before the first write.
            var record = OwnedEntity(workItem);
            var now = _time.GetUtcNow();
            record.State = checkpoint.State;
            record.LockHolder = checkpoint.LockHolder;
            record.LastModifiedAt = now;
            record.Lease = null;
            if (checkpoint.ConsumedMessageIds.Count > 0)
            {
                var consumed = checkpoint.ConsumedMessageIds.ToHashSet();
                record.Inbox.RemoveAll(m => consumed.Contains(m.MessageId));
            }

            foreach (var message in checkpoint.EntityMessages)
            {
                EnqueueEntityMessage(message, now);
            }

            foreach (var message in checkpoint.InstanceMessages)
            {
                if (_instances.TryGetValue(message.InstanceId, out var target))
                {
                    Enqueue(target, message, now);
                }
            }

            foreach (var start in checkpoint.NewOrchestrations)
            {
                if (_instances.TryGetValue(start.InstanceId, out var existing)
                    && (!existing.State.Status.IsTerminal() || start.DedupeStatuses.Contains(existing.State.Status)))
                {
                    notStarted.Add(start.InstanceId);
                }
                else
                {
                    CreateLocked(start, now);
                }
            }

            if (IsEmpty(record))
            {
                _entities.Remove(record.EntityId);
            }
            else
            {
                MarkEntityReady(record, now);
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(notStarted);
    }

    /// <inheritdoc/>
    public Task AbandonEntityAsync(EntityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
        lock (_gate)
        {
            var record = OwnedEntity(workItem);
            var now = _time.GetUtcNow();
            record.Lease = null;
            if (retryAfter > TimeSpan.Zero)
            {
                record.NotBefore = now + retryAfter;
                _dueEntities.Enqueue(record.EntityId, now + retryAfter);
                SignalEntities();
            }
            else
            {
                MarkEntityReady(record, now);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<StoredEntity?> GetEntityAsync(string entityId, bool includeState, CancellationToken cancellationToken)
    {
        EntityId.ParseExact(entityId);
        lock (_gate)
        {
            return Task.FromResult(_entities.TryGetValue(entityId, out var record) ? Snapshot(record, includeState) : null);
        }
    }

    /// <inheritdoc/>
    public Task<StoredEntityPage> QueryEntitiesAsync(StoredEntityQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = ContinuationToken.DecodeEntityId(query.ContinuationToken);
        lock (_gate)
        {
            var matches = _entities.Values
                .Where(r => after is null || string.CompareOrdinal(r.EntityId, after) > 0)
                .Where(r => query.EntityIdPrefix is null || r.EntityId.StartsWith(query.EntityIdPrefix, StringComparison.Ordinal))
                .Where(r => query.IncludeTransient || r.State is not null)
                .Where(r => (query.LastModifiedFrom is null || r.LastModifiedAt >= query.LastModifiedFrom)
                    && (query.LastModifiedTo is null || r.LastModifiedAt <= query.LastModifiedTo))
                .OrderBy(r => r.EntityId, StringComparer.Ordinal)
                .Take(query.PageSize + 1)
                .Select(r => Snapshot(r, query.IncludeState))
                .ToList();
            string? next = null;
            if (matches.Count > query.PageSize)
            {
                matches.RemoveAt(matches.Count - 1);
                next = ContinuationToken.Encode(matches[^1].EntityId);
            }

            return Task.FromResult(new StoredEntityPage(matches, next));
        }
    }

    /// <inheritdoc/>
    public Task<EntityCleanupResult> CleanEntityStorageAsync(EntityCleanupRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.PageSize, 1, nameof(request));
        var after = ContinuationToken.DecodeEntityId(request.ContinuationToken);
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            var page = _entities.Values
                .Where(r => after is null || string.CompareOrdinal(r.EntityId, after) > 0)
                .OrderBy(r => r.EntityId, StringComparer.Ordinal)
                .Take(request.PageSize + 1)
                .ToList();
            string? next = null;
            if (page.Count > request.PageSize)
            {
                page.RemoveAt(page.Count - 1);
                next = ContinuationToken.Encode(page[^1].EntityId);
            }

            int removed = 0, released = 0;
            foreach (var record in page)
            {
                if (request.ReleaseOrphanedLocks && record.LockHolder is { } holder && IsOrphaned(holder))
                {
                    released++;
                    record.LockHolder = null;
                    record.Lease = null;
                    record.LastModifiedAt = now;
                    if (IsEmpty(record))
                    {
                        _entities.Remove(record.EntityId);
                    }
                    else
                    {
                        MarkEntityReady(record, now);
                    }
                }
                else if (request.RemoveEmptyEntities && IsEmpty(record))
                {
                    removed++;
                    _entities.Remove(record.EntityId);
                }
            }

            return Task.FromResult(new EntityCleanupResult(removed, released, next));
        }
    }

    /// <inheritdoc/>
    public Task<int> PurgeEntityAsync(string entityId, CancellationToken cancellationToken)
    {
        EntityId.ParseExact(entityId);
        lock (_gate)
        {
            if (!_entities.TryGetValue(entityId, out var record))
            {
                return Task.FromResult(0);
            }

            if (record.LockHolder is { } holder)
            {
                throw new EntityLockedException(entityId, holder);
            }

            _entities.Remove(entityId);
            return Task.FromResult(1);
        }
    }

    private void EnqueueEntityMessage(EntityInboxMessage message, DateTimeOffset now)
    {
        if (!_entities.TryGetValue(message.EntityId, out var record))
        {
            record = new EntityRecord(message.EntityId, now);
            _entities[message.EntityId] = record;
        }

        var stored = message with { MessageId = ++_nextMessageId };
        record.Inbox.Add(stored);
        if (stored.VisibleAt is { } visibleAt && visibleAt > now)
        {
            _dueEntities.Enqueue(record.EntityId, visibleAt);
            SignalEntities(); // a dispatcher asleep until a later due time must read the earlier one
        }
        else
        {
            MarkEntityReady(record, now);
        }
    }

    private void MarkEntityReady(EntityRecord record, DateTimeOffset now)
    {
        if (!IsClaimable(record, now))
        {
            return;
        }

        if (!record.Queued)
        {
            record.Queued = true;
            _readyEntities.Enqueue(record.EntityId);
        }

        SignalEntities();
    }

    private void SignalEntities() => _entitySignal.Set();

    private DateTimeOffset? NextEntityDueLocked()
    {
        while (_dueEntities.TryPeek(out var entityId, out var dueAt))
        {
            if (_entities.TryGetValue(entityId, out var record)
                && (record.NotBefore == dueAt
                    || record.Lease?.LockExpiration == dueAt
                    || HasEntityMessageVisibleAt(record.Inbox, dueAt)))
            {
                return dueAt;
            }

            _dueEntities.Dequeue();
        }

        return null;
    }

    private EntityRecord OwnedEntity(EntityWorkItem workItem)
    {
        if (!_entities.TryGetValue(workItem.EntityId, out var record) || record.Lease != workItem.Lease)
        {
            throw new WorkItemLockLostException($"entity '{workItem.EntityId}'", workItem.Lease.LockedBy);
        }

        return record;
    }

    private bool IsOrphaned(EntityCaller holder) =>
        !_instances.TryGetValue(holder.InstanceId, out var instance)
        || instance.State.Status is not (OrchestrationStatus.Pending or OrchestrationStatus.Running or OrchestrationStatus.Suspended)
        || !string.Equals(instance.State.ExecutionId, holder.ExecutionId, StringComparison.Ordinal);

    private static bool IsEmpty(EntityRecord record) => record.State is null && record.LockHolder is null && record.Inbox.Count == 0;

    private static bool IsVisible(EntityInboxMessage message, DateTimeOffset now) => message.VisibleAt is not { } at || at <= now;

    private static bool HasEntityMessageVisibleAt(List<EntityInboxMessage> inbox, DateTimeOffset at)
    {
        foreach (var message in inbox)
        {
            if (message.VisibleAt == at)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsClaimable(EntityRecord record, DateTimeOffset now)
    {
        if (record.Lease is { } lease && lease.LockExpiration > now)
        {
            return false;
        }

        if (record.NotBefore is { } notBefore && notBefore > now)
        {
            return false;
        }

        var holder = record.LockHolder?.InstanceId;
        foreach (var message in record.Inbox)
        {
            if (IsVisible(message, now) && (holder is null || string.Equals(message.Message.SenderId, holder, StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static StoredEntity Snapshot(EntityRecord record, bool includeState) => new()
    {
        EntityId = record.EntityId,
        HasState = record.State is not null,
        State = includeState ? record.State : null,
        LastModifiedAt = record.LastModifiedAt,
        LockHolder = record.LockHolder,
        BacklogCount = record.Inbox.Count,
    };

    private sealed class EntityRecord(string entityId, DateTimeOffset createdAt)
    {
        public string EntityId { get; } = entityId;

        public string? State { get; set; }

        public DateTimeOffset LastModifiedAt { get; set; } = createdAt;

        public EntityCaller? LockHolder { get; set; }

        public List<EntityInboxMessage> Inbox { get; } = [];

        public Lease? Lease { get; set; }

        public DateTimeOffset? NotBefore { get; set; }

        /// <summary>Whether the id waits in the ready queue, so that a burst of messages queues it once.</summary>
        public bool Queued { get; set; }
    }
}
