using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Storage.Sqlite.Data;
using Perdure.Storage.Sqlite.Writer;
using Perdure.Core.Storage;

namespace Perdure.Storage.Sqlite;

// Durable entities (schema 0002): sending messages, claims, lease renewals, batch commits and abandons through the
// writer; reads on reader connections; cleanup and purge through the writer. As for orchestrations, every lease check is
// part of the statement that writes, and zero rows changed means the lease was lost and the request writes nothing.
// Messages are checked and serialized on the caller's thread; the writer only binds and runs statements.
public sealed partial class SqliteStore
{
    /// <inheritdoc/>
    /// <remarks>Transaction: Entities (the row created if missing, ReadyAt), EntityMessages.</remarks>
    public Task SendEntityMessageAsync(EntityInboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var prepared = PreparedEntityMessage.From(message);
        return WriteAsync(durable: true, context =>
        {
            EnqueueEntityMessage(context, prepared);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One writer request: one statement claims them all (Entities, with EntityStates and the inbox size read), then
    /// EntityMessages is read per claimed entity.
    /// </remarks>
    public async Task<IReadOnlyList<EntityWorkItem>> ClaimEntitiesAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var claimed = await WriteAsync(durable: false, context =>
        {
            var lease = new Lease(lockedBy, context.Now + leaseDuration);
            var items = new List<ClaimedEntity>();
            using (var reader = context.Command("Entities/Claim")
                .With("@LockedBy", lockedBy)
                .With("@LockExpiration", lease.LockExpiration)
                .With("@Now", context.Now)
                .With("@MaxCount", maxCount)
                .ExecuteReader())
            {
                while (reader.Read())
                {
                    var state = reader.GetStringOrNull(5);
                    var entity = new StoredEntity
                    {
                        EntityId = reader.GetString(0),
                        LastModifiedAt = SqliteCommandExtensions.ToTime(reader.GetInt64(1)),
                        LockHolder = EntityRow.ReadLockHolder(reader, 2),
                        HasState = state is not null,
                        State = state,
                        BacklogCount = reader.GetInt32(6),
                    };
                    items.Add(new ClaimedEntity(entity, [], lease));
                }
            }

            foreach (var item in items)
            {
                using var reader = context.Command("Entities/SelectVisibleMessages")
                    .With("@EntityId", item.Entity.EntityId)
                    .With("@Now", context.Now)
                    .ExecuteReader();
                while (reader.Read())
                {
                    item.Messages.Add(new StoredEntityMessage(reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
                }
            }

            return items;
        }, cancellationToken).ConfigureAwait(false);

        // Messages are parsed here, on the caller's thread, so the writer spends its time on SQL only.
        return claimed.ConvertAll(c => new EntityWorkItem(
            c.Entity,
            c.Messages.ConvertAll(m => new EntityInboxMessage
            {
                EntityId = c.Entity.EntityId,
                Message = StoredJson.DeserializeEntityMessage(m.Json),
                VisibleAt = SqliteCommandExtensions.ToTime(m.VisibleAt),
                MessageId = m.MessageId,
            }),
            c.Lease));
    }

    /// <inheritdoc/>
    public async Task RenewEntityLeaseAsync(EntityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        var held = workItem.Lease;
        workItem.Lease = await WriteAsync(durable: false, context =>
        {
            var renewed = held with { LockExpiration = context.Now + leaseDuration };
            var changed = context.Command("Entities/Renew")
                .With("@EntityId", workItem.EntityId)
                .With("@LockedBy", held.LockedBy)
                .With("@LockExpiration", held.LockExpiration)
                .With("@NewLockExpiration", renewed.LockExpiration)
                .ExecuteNonQuery();
            return changed == 1 ? renewed : throw EntityLockLost(workItem.EntityId, held);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Transaction, in this order: Entities (lock holder, last modified, lease release; the lease check), EntityStates
    /// (only when the state changed), EntityMessages (consumed ones deleted), per entity message Entities and
    /// EntityMessages, per instance message Messages and the target's Instances row, per new orchestration the
    /// CreateInstance order, and last this entity's Entities row again (deleted if empty, else ReadyAt from its inbox).
    /// </remarks>
    public Task<IReadOnlyList<string>> CompleteEntityAsync(EntityWorkItem workItem, EntityCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.Validate(workItem);
        var batch = new PreparedEntityBatch(workItem, checkpoint);
        return WriteAsync<IReadOnlyList<string>>(durable: true, context => CommitEntityBatch(context, batch), cancellationToken);
    }

    /// <inheritdoc/>
    public Task AbandonEntityAsync(EntityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
        var held = workItem.Lease;
        return WriteAsync(durable: false, context =>
        {
            var changed = context.Command("Entities/Abandon")
                .With("@EntityId", workItem.EntityId)
                .With("@LockedBy", held.LockedBy)
                .With("@LockExpiration", held.LockExpiration)
                .With("@NotBefore", retryAfter > TimeSpan.Zero ? context.Now + retryAfter : null)
                .ExecuteNonQuery();
            if (changed != 1)
            {
                throw EntityLockLost(workItem.EntityId, held);
            }

            context.Effects.EntityWork = true;
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StoredEntity?> GetEntityAsync(string entityId, bool includeState, CancellationToken cancellationToken)
    {
        EntityId.ParseExact(entityId);
        return ReadAsync(session =>
        {
            using var reader = session.Command("Entities/Select")
                .With("@TaskHub", TaskHub)
                .With("@EntityId", entityId)
                .With("@IncludeState", includeState ? 1L : 0L)
                .ExecuteReader();
            return reader.Read() ? EntityRow.Read(reader) : null;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StoredEntityPage> QueryEntitiesAsync(StoredEntityQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = ContinuationToken.DecodeEntityId(query.ContinuationToken) ?? "";
        return ReadAsync(session =>
        {
            var page = new List<StoredEntity>();
            using (var reader = session.Command("Entities/Query")
                .With("@TaskHub", TaskHub)
                .With("@After", after)
                .With("@Prefix", query.EntityIdPrefix ?? "")
                .With("@IncludeTransient", query.IncludeTransient ? 1L : 0L)
                .With("@IncludeState", query.IncludeState ? 1L : 0L)
                .With("@LastModifiedFrom", query.LastModifiedFrom)
                .With("@LastModifiedTo", query.LastModifiedTo)
                .With("@Limit", query.PageSize + 1L)
                .ExecuteReader())
            {
                while (reader.Read())
                {
                    page.Add(EntityRow.Read(reader));
                }
            }

            string? next = null;
            if (page.Count > query.PageSize)
            {
                page.RemoveAt(page.Count - 1);
                next = ContinuationToken.Encode(page[^1].EntityId);
            }

            return new StoredEntityPage(page, next);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One transaction for the page: Entities (the page, with Instances, EntityStates and EntityMessages read), then per
    /// cleaned row Entities (lock released and lease revoked, or the row deleted, cascading), and Entities again (deleted
    /// if the release emptied it, else ReadyAt from its inbox).
    /// </remarks>
    public Task<EntityCleanupResult> CleanEntityStorageAsync(EntityCleanupRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.PageSize, 1, nameof(request));
        var after = ContinuationToken.DecodeEntityId(request.ContinuationToken) ?? "";
        return WriteAsync(durable: true, context =>
        {
            var page = new List<(string EntityId, bool Orphaned, bool Empty)>();
            using (var reader = context.Command("Entities/SelectCleanupPage").With("@After", after).With("@Limit", request.PageSize + 1L).ExecuteReader())
            {
                while (reader.Read())
                {
                    page.Add((reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2)));
                }
            }

            string? next = null;
            if (page.Count > request.PageSize)
            {
                page.RemoveAt(page.Count - 1);
                next = ContinuationToken.Encode(page[^1].EntityId);
            }

            int removed = 0, released = 0;
            foreach (var (entityId, orphaned, empty) in page)
            {
                if (request.ReleaseOrphanedLocks && orphaned)
                {
                    released++;
                    context.Command("Entities/ReleaseLock").With("@EntityId", entityId).With("@Now", context.Now).ExecuteNonQuery();
                    if (!DeleteIfEmpty(context, entityId))
                    {
                        RefreshEntityReadyAt(context, entityId);
                    }
                }
                else if (request.RemoveEmptyEntities && empty && DeleteIfEmpty(context, entityId))
                {
                    removed++;
                }
            }

            return new EntityCleanupResult(removed, released, next);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: Entities (the lock holder), then Entities (delete, cascading to EntityStates and EntityMessages).</remarks>
    public Task<int> PurgeEntityAsync(string entityId, CancellationToken cancellationToken)
    {
        EntityId.ParseExact(entityId);
        return WriteAsync(durable: true, context =>
        {
            using (var reader = context.Command("Entities/SelectLockHolder").With("@EntityId", entityId).ExecuteReader())
            {
                if (!reader.Read())
                {
                    return 0;
                }

                if (EntityRow.ReadLockHolder(reader, 0) is { } holder)
                {
                    throw new EntityLockedException(entityId, holder);
                }
            }

            context.Command("Entities/Delete").With("@EntityId", entityId).ExecuteNonQuery();
            return 1;
        }, cancellationToken);
    }

    private static List<string> CommitEntityBatch(WriteContext context, PreparedEntityBatch batch)
    {
        var entityId = batch.EntityId;
        var checkpoint = batch.Checkpoint;
        var lease = batch.Lease;
        var changed = context.Command("Entities/Complete")
            .With("@EntityId", entityId)
            .WithLockHolder(checkpoint.LockHolder)
            .With("@Now", context.Now)
            .With("@LockedBy", lease.LockedBy)
            .With("@LockExpiration", lease.LockExpiration)
            .ExecuteNonQuery();
        if (changed != 1)
        {
            throw EntityLockLost(entityId, lease);
        }

        if (batch.StateChanged)
        {
            if (checkpoint.State is null)
            {
                context.Command("Entities/DeleteState").With("@EntityId", entityId).ExecuteNonQuery();
            }
            else
            {
                context.Command("Entities/UpsertState").With("@EntityId", entityId).With("@State", checkpoint.State).ExecuteNonQuery();
            }
        }

        if (batch.ConsumedMessageIds is { } consumed)
        {
            context.Command("Entities/DeleteMessages").With("@EntityId", entityId).With("@MessageIds", consumed).ExecuteNonQuery();
        }

        foreach (var message in batch.EntityMessages)
        {
            EnqueueEntityMessage(context, message);
        }

        for (var i = 0; i < checkpoint.InstanceMessages.Count; i++)
        {
            // A message to an instance that does not exist is dropped, as the contract says.
            Enqueue(context, checkpoint.InstanceMessages[i], batch.InstanceMessageEvents[i]);
        }

        var notStarted = new List<string>();
        for (var i = 0; i < checkpoint.NewOrchestrations.Count; i++)
        {
            var start = checkpoint.NewOrchestrations[i];
            if (SelectStatus(context, start.InstanceId) is { } status)
            {
                if (!status.IsTerminal() || start.DedupeStatuses.Contains(status))
                {
                    notStarted.Add(start.InstanceId);
                    continue;
                }

                DeleteInstance(context, start.InstanceId);
            }

            InsertInstance(context, start, batch.NewOrchestrationEvents[i]);
        }

        // The row's last write: deleted if nothing keeps it, else claimable from its first message it may serve.
        if (checkpoint.State is null && checkpoint.LockHolder is null && DeleteIfEmpty(context, entityId))
        {
            return notStarted;
        }

        RefreshEntityReadyAt(context, entityId);
        return notStarted;
    }

    /// <summary>Puts a message into an entity's inbox, creating the row if missing and waking the entity if it may serve it.</summary>
    private static void EnqueueEntityMessage(WriteContext context, PreparedEntityMessage message)
    {
        var visibleAt = message.VisibleAt ?? context.Now;
        context.Command("Entities/Upsert")
            .With("@EntityId", message.EntityId)
            .With("@EntityName", message.EntityName)
            .With("@EntityKey", message.EntityKey)
            .With("@Now", context.Now)
            .With("@VisibleAt", visibleAt)
            .With("@SenderId", message.SenderId)
            .ExecuteNonQuery();
        context.Command("Entities/InsertMessage")
            .With("@EntityId", message.EntityId)
            .With("@SenderId", message.SenderId)
            .With("@VisibleAt", visibleAt)
            .With("@ScheduledAt", visibleAt > context.Now ? visibleAt : null)
            .With("@Message", message.Json)
            .ExecuteNonQuery();

        // Also for a scheduled message, or one that waits for a lock: a dispatcher asleep until a later due time reads
        // the next due time again, and one that finds nothing to claim goes back to sleep.
        context.Effects.EntityWork = true;
    }

    /// <summary>Deletes the entity row if it has no state, lock holder or message; true if it did.</summary>
    private static bool DeleteIfEmpty(WriteContext context, string entityId) =>
        context.Command("Entities/DeleteIfEmpty").With("@EntityId", entityId).ExecuteNonQuery() == 1;

    /// <summary>Recomputes the entity's ReadyAt from its inbox; signals entity work when it has a message it may serve.</summary>
    private static void RefreshEntityReadyAt(WriteContext context, string entityId)
    {
        if (context.Command("Entities/RefreshReadyAt").With("@EntityId", entityId).ExecuteScalar() is long)
        {
            context.Effects.EntityWork = true;
        }
    }

    private static WorkItemLockLostException EntityLockLost(string entityId, Lease lease) => new($"entity '{entityId}'", lease.LockedBy);

    /// <summary>An entity inbox message as read by a claim, its message still JSON.</summary>
    private sealed record StoredEntityMessage(long MessageId, long VisibleAt, string Json);

    /// <summary>What an entity claim read inside the writer's transaction.</summary>
    private sealed record ClaimedEntity(StoredEntity Entity, List<StoredEntityMessage> Messages, Lease Lease);

    /// <summary>An entity checkpoint with everything it stores serialized on the caller's thread, before it reaches the writer.</summary>
    private sealed class PreparedEntityBatch
    {
        /// <param name="workItem">The claimed entity; the checkpoint was validated against it.</param>
        /// <param name="checkpoint">What the batch commits.</param>
        public PreparedEntityBatch(EntityWorkItem workItem, EntityCheckpoint checkpoint)
        {
            EntityId = workItem.EntityId;
            Lease = workItem.Lease;
            Checkpoint = checkpoint;

            // The claim read the state, and only a batch under the lease changes it, so an unchanged state is not rewritten.
            // A work item whose state was not read (HasState without State) counts as changed.
            var claimed = workItem.Entity;
            StateChanged = (claimed.HasState && claimed.State is null) || !string.Equals(claimed.State, checkpoint.State, StringComparison.Ordinal);
            ConsumedMessageIds = checkpoint.ConsumedMessageIds.Count > 0 ? StoredJson.Array(checkpoint.ConsumedMessageIds) : null;
            EntityMessages = PreparedEntityMessage.FromAll(checkpoint.EntityMessages);
            InstanceMessageEvents = [.. checkpoint.InstanceMessages.Select(m => StoredJson.Serialize(m.Event))];
            NewOrchestrationEvents = [.. checkpoint.NewOrchestrations.Select(s => StoredJson.Serialize(s.Started))];
        }

        public string EntityId { get; }

        public Lease Lease { get; }

        public EntityCheckpoint Checkpoint { get; }

        public bool StateChanged { get; }

        public string? ConsumedMessageIds { get; }

        public PreparedEntityMessage[] EntityMessages { get; }

        public string[] InstanceMessageEvents { get; }

        public string[] NewOrchestrationEvents { get; }
    }
}
