using Npgsql;
using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.Storage;
using Perdure.Storage.Postgres.Data;

namespace Perdure.Storage.Postgres;

// Durable entities (schema 0002): sending messages, claims, lease renewals, batch commits, abandons, reads, cleanup and
// purge. As for orchestrations, every lease check is part of the statement that writes, and zero rows changed means the
// lease was lost and the transaction is rolled back. Messages are checked and serialized before the transaction begins.
//
// Lock order (docs/storage-postgres.md): entity rows in entity id order, then instance rows in instance id order. A
// transaction that writes more than one entity row, or entity and instance rows, takes all its entity row locks first
// (Entities/LockInOrder.sql), then its instance row locks (Instances/LockInOrder.sql), then writes.
public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    /// <remarks>Transaction: Entities (the row created if missing and locked; ReadyAt lowered if the entity may serve the message), EntityMessages.</remarks>
    public Task SendEntityMessageAsync(EntityInboxMessage message, CancellationToken cancellationToken)
    {
        var prepared = PreparedEntityMessage.From(message);
        return WriteAsync(async session =>
        {
            await EnqueueEntityMessageAsync(session, prepared, cancellationToken).ConfigureAwait(false);
            return true;
        }, WriteOrder.Entity(prepared.EntityId), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// One round trip, one transaction, three statements: Entities/Claim.sql (Entities: rows locked with FOR UPDATE SKIP
    /// LOCKED and leased), ClaimedStates.sql (EntityStates and the inbox size) and ClaimedMessages.sql (EntityMessages).
    /// The reads run after the lease is taken, each on a fresh snapshot, while the claim holds the row locks.
    /// </remarks>
    public async Task<IReadOnlyList<EntityWorkItem>> ClaimEntitiesAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var claimed = await WriteAsync(async session =>
        {
            var lease = new Lease(lockedBy, session.Now + leaseDuration);
            var rows = new List<(string EntityId, DateTimeOffset LastModifiedAt, EntityCaller? LockHolder)>();
            var states = new Dictionary<string, (string? State, int Backlog)>(StringComparer.Ordinal);
            var messages = new Dictionary<string, List<(long MessageId, long VisibleAt, string Json)>>(StringComparer.Ordinal);
            await using var batch = session.Batch("Entities/Claim", "Entities/ClaimedStates", "Entities/ClaimedMessages")
                .With("@LockedBy", lockedBy)
                .With("@LockExpiration", lease.LockExpiration)
                .With("@Now", session.Now)
                .With("@MaxCount", (long)maxCount);
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add((reader.GetString(0), PgCommandExtensions.ToTime(reader.GetInt64(1)), ReadLockHolder(reader, 2)));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    states[reader.GetString(0)] = (reader.GetStringOrNull(1), checked((int)reader.GetInt64(2)));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var entityId = reader.GetString(0);
                    if (!messages.TryGetValue(entityId, out var inbox))
                    {
                        messages[entityId] = inbox = [];
                    }

                    inbox.Add((reader.GetInt64(1), reader.GetInt64(2), reader.GetString(3)));
                }
            }

            return rows.ConvertAll(row =>
            {
                var (state, backlog) = states.GetValueOrDefault(row.EntityId);
                var entity = new StoredEntity
                {
                    EntityId = row.EntityId,
                    LastModifiedAt = row.LastModifiedAt,
                    LockHolder = row.LockHolder,
                    HasState = state is not null,
                    State = state,
                    BacklogCount = backlog,
                };
                return (Entity: entity, Messages: messages.GetValueOrDefault(row.EntityId) ?? [], Lease: lease);
            });
        }, WriteOrder.Claim, cancellationToken).ConfigureAwait(false);

        // Messages are parsed after the transaction, so it holds its row locks only for the statements.
        return claimed.ConvertAll(c => new EntityWorkItem(
            c.Entity,
            c.Messages.ConvertAll(m => new EntityInboxMessage
            {
                EntityId = c.Entity.EntityId,
                Message = StoredJson.DeserializeEntityMessage(m.Json),
                VisibleAt = PgCommandExtensions.ToTime(m.VisibleAt),
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
        workItem.Lease = await WriteAsync(async session =>
        {
            var renewed = held with { LockExpiration = session.Now + leaseDuration };
            await using var command = session.Command("Entities/Renew")
                .With("@EntityId", workItem.EntityId)
                .With("@LockedBy", held.LockedBy)
                .With("@LockExpiration", held.LockExpiration)
                .With("@NewLockExpiration", renewed.LockExpiration);
            var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return changed == 1 ? renewed : throw EntityLockLost(workItem.EntityId, held);
        }, WriteOrder.Entity(workItem.EntityId), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Transaction, in this order: Entities (row locks in id order: this entity and every entity it sends to, only when it
    /// writes other rows), Instances (row locks in id order: the instances it answers and the orchestrations it starts),
    /// Entities (lock holder, last modified, lease release; the lease check), EntityStates (only when the state changed),
    /// EntityMessages (consumed ones deleted), per entity message Entities and EntityMessages, per instance message
    /// Messages and the target's Instances row, per new orchestration the CreateInstance order, and last this entity's
    /// Entities row again (deleted if empty, else ReadyAt from its inbox), then the NOTIFY.
    /// </remarks>
    public Task<IReadOnlyList<string>> CompleteEntityAsync(EntityWorkItem workItem, EntityCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(checkpoint);
        checkpoint.Validate(workItem);
        var batch = new PreparedEntityBatch(workItem, checkpoint);
        var order = batch.EntitiesToLock is null && batch.InstancesToLock is null ? WriteOrder.Entity(workItem.EntityId) : WriteOrder.Alone;
        return WriteAsync<IReadOnlyList<string>>(session => CommitEntityBatchAsync(session, batch, cancellationToken), order, cancellationToken);
    }

    /// <inheritdoc/>
    public Task AbandonEntityAsync(EntityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentOutOfRangeException.ThrowIfLessThan(retryAfter, TimeSpan.Zero);
        var held = workItem.Lease;
        return WriteAsync(async session =>
        {
            await using var command = session.Command("Entities/Abandon")
                .With("@EntityId", workItem.EntityId)
                .With("@LockedBy", held.LockedBy)
                .With("@LockExpiration", held.LockExpiration)
                .With("@NotBefore", retryAfter > TimeSpan.Zero ? session.Now + retryAfter : null);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw EntityLockLost(workItem.EntityId, held);
            }

            session.EntityWork = true;
            return true;
        }, WriteOrder.Entity(workItem.EntityId), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StoredEntity?> GetEntityAsync(string entityId, bool includeState, CancellationToken cancellationToken)
    {
        EntityId.ParseExact(entityId);
        return ReadAsync(async session =>
        {
            await using var command = session.Command("Entities/Select")
                .With("@EntityId", entityId)
                .With("@IncludeState", includeState ? 1 : 0);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadEntity(reader) : null;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<StoredEntityPage> QueryEntitiesAsync(StoredEntityQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = ContinuationToken.DecodeEntityId(query.ContinuationToken) ?? "";
        return ReadAsync(async session =>
        {
            var page = new List<StoredEntity>();
            await using (var command = session.Command("Entities/Query")
                .With("@After", after)
                .With("@Prefix", query.EntityIdPrefix ?? "")
                .With("@IncludeTransient", query.IncludeTransient ? 1 : 0)
                .With("@IncludeState", query.IncludeState ? 1 : 0)
                .With("@LastModifiedFrom", query.LastModifiedFrom)
                .With("@LastModifiedTo", query.LastModifiedTo)
                .With("@Limit", query.PageSize + 1L))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    page.Add(ReadEntity(reader));
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
    /// One transaction for the page: Entities (the page's rows locked in id order), then their flags read (Instances,
    /// EntityStates, EntityMessages), then per cleaned row Entities (lock released and lease revoked, or the row deleted)
    /// and Entities again (deleted if the release emptied it, else ReadyAt from its inbox).
    /// </remarks>
    public Task<EntityCleanupResult> CleanEntityStorageAsync(EntityCleanupRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfLessThan(request.PageSize, 1, nameof(request));
        var after = ContinuationToken.DecodeEntityId(request.ContinuationToken) ?? "";
        return WriteAsync(async session =>
        {
            var ids = new List<string>();
            await using (var command = session.Command("Entities/LockCleanupPage").With("@After", after).With("@Limit", request.PageSize + 1L))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    ids.Add(reader.GetString(0));
                }
            }

            string? next = null;
            if (ids.Count > request.PageSize)
            {
                ids.RemoveAt(ids.Count - 1);
                next = ContinuationToken.Encode(ids[^1]);
            }

            var page = new List<(string EntityId, bool Orphaned, bool Empty)>();
            if (ids.Count > 0)
            {
                await using var command = session.Command("Entities/CleanupFlags").With("@EntityIds", ids.ToArray());
                await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    page.Add((reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2)));
                }
            }

            int removed = 0, released = 0;
            foreach (var (entityId, orphaned, empty) in page)
            {
                if (request.ReleaseOrphanedLocks && orphaned)
                {
                    released++;
                    await using (var command = session.Command("Entities/ReleaseLock").With("@EntityId", entityId).With("@Now", session.Now))
                    {
                        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    if (await DeleteIfEmptyAsync(session, [entityId], cancellationToken).ConfigureAwait(false) == 0)
                    {
                        await RefreshEntityReadyAtAsync(session, entityId, cancellationToken).ConfigureAwait(false);
                    }
                }
                else if (request.RemoveEmptyEntities && empty && await DeleteIfEmptyAsync(session, [entityId], cancellationToken).ConfigureAwait(false) == 1)
                {
                    removed++;
                }
            }

            return new EntityCleanupResult(removed, released, next);
        }, WriteOrder.Alone, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: Entities (the lock holder, row locked), then Entities (delete, cascading to EntityStates and EntityMessages).</remarks>
    public Task<int> PurgeEntityAsync(string entityId, CancellationToken cancellationToken)
    {
        EntityId.ParseExact(entityId);
        return WriteAsync(async session =>
        {
            await using (var command = session.Command("Entities/SelectLockHolder").With("@EntityId", entityId))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return 0;
                }

                if (ReadLockHolder(reader, 0) is { } holder)
                {
                    throw new EntityLockedException(entityId, holder);
                }
            }

            await using (var command = session.Command("Entities/Delete").With("@EntityId", entityId))
            {
                await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            return 1;
        }, WriteOrder.Entity(entityId), cancellationToken);
    }

    // Three round trips in the common case: the locks and the lease check; everything the batch writes; and only when it
    // starts orchestrations, their status checks one by one before the row's last write. Statements of one NpgsqlBatch
    // run in order in the transaction, so the lease check is answered before anything else is sent.
    private static async Task<IReadOnlyList<string>> CommitEntityBatchAsync(PgSession session, PreparedEntityBatch batch, CancellationToken cancellationToken)
    {
        var entityId = batch.EntityId;
        var checkpoint = batch.Checkpoint;
        var lease = batch.Lease;
        await using (var check = session.Batch())
        {
            if (batch.EntitiesToLock is { } entities)
            {
                check.BatchCommands.Add(LockEntitiesStatement(session, entities));
            }

            if (batch.InstancesToLock is { } instances)
            {
                check.BatchCommands.Add(session.Statement("Instances/LockInOrder").With("@InstanceIds", instances));
            }

            var complete = session.Statement("Entities/Complete")
                .With("@EntityId", entityId)
                .With("@LockHolderInstanceId", checkpoint.LockHolder?.InstanceId)
                .With("@LockHolderExecutionId", checkpoint.LockHolder?.ExecutionId)
                .With("@LockHolderTaskId", checkpoint.LockHolder?.TaskId)
                .With("@Now", session.Now)
                .With("@LockedBy", lease.LockedBy)
                .With("@LockExpiration", lease.LockExpiration);
            check.BatchCommands.Add(complete);
            await check.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (complete.RecordsAffected != 1)
            {
                throw EntityLockLost(entityId, lease);
            }
        }

        await using var writes = session.Batch();
        if (batch.StateChanged)
        {
            writes.BatchCommands.Add(checkpoint.State is null
                ? session.Statement("Entities/DeleteState").With("@EntityId", entityId)
                : session.Statement("Entities/UpsertState").With("@EntityId", entityId).With("@State", checkpoint.State));
        }

        if (batch.ConsumedMessageIds is { } consumed)
        {
            writes.BatchCommands.Add(session.Statement("Entities/DeleteMessages").With("@EntityId", entityId).With("@MessageIds", consumed));
        }

        foreach (var message in batch.EntityMessages)
        {
            AddEntityMessage(session, writes, message);
        }

        for (var i = 0; i < checkpoint.InstanceMessages.Count; i++)
        {
            // A message to an instance that does not exist is dropped, as the contract says: the insert finds no row and
            // the wake-up changes none. The instance rows are locked, so neither can change in between.
            var message = checkpoint.InstanceMessages[i];
            var visibleAt = message.VisibleAt ?? session.Now;
            var type = (int)message.Event.EventType;
            writes.BatchCommands.Add(session.Statement("Messages/Insert")
                .With("@InstanceId", message.InstanceId)
                .With("@ExecutionId", message.ExecutionId)
                .With("@EventType", type)
                .With("@VisibleAt", visibleAt)
                .With("@Event", batch.InstanceMessageEvents[i]));
            writes.BatchCommands.Add(session.Statement("Messages/Wake")
                .With("@InstanceId", message.InstanceId)
                .With("@VisibleAt", visibleAt)
                .With("@EventType", type));
            session.OrchestrationWork = true;
        }

        var notStarted = new List<string>();
        if (checkpoint.NewOrchestrations.Count > 0)
        {
            if (writes.BatchCommands.Count > 0)
            {
                await writes.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                writes.BatchCommands.Clear();
            }

            for (var i = 0; i < checkpoint.NewOrchestrations.Count; i++)
            {
                var start = checkpoint.NewOrchestrations[i];
                if (await SelectStatusAsync(session, start.InstanceId, cancellationToken).ConfigureAwait(false) is { } status)
                {
                    if (!status.IsTerminal() || start.DedupeStatuses.Contains(status))
                    {
                        notStarted.Add(start.InstanceId);
                        continue;
                    }

                    await DeleteInstanceAsync(session, start.InstanceId, cancellationToken).ConfigureAwait(false);
                }

                await InsertInstanceAsync(session, start, batch.NewOrchestrationEvents[i], cancellationToken).ConfigureAwait(false);
            }
        }

        // The row's last write: deleted if nothing keeps it, else claimable from its first message it may serve. On a
        // deleted row the refresh changes and returns nothing.
        if (checkpoint.State is null && checkpoint.LockHolder is null)
        {
            writes.BatchCommands.Add(session.Statement("Entities/DeleteIfEmpty").With("@EntityIds", (string[])[entityId]));
        }

        writes.BatchCommands.Add(session.Statement("Entities/RefreshReadyAt").With("@EntityId", entityId));
        if (await ReadsReadyAtAsync(writes, cancellationToken).ConfigureAwait(false))
        {
            session.EntityWork = true;
        }

        return notStarted;
    }

    /// <summary>The statement that locks (creating the missing ones) the entity rows of <paramref name="entities"/> in id order.</summary>
    private static NpgsqlBatchCommand LockEntitiesStatement(PgSession session, EntityLockSet entities) =>
        session.Statement("Entities/LockInOrder")
            .With("@EntityIds", entities.EntityIds)
            .With("@EntityNames", entities.EntityNames)
            .With("@EntityKeys", entities.EntityKeys)
            .With("@Now", session.Now);

    /// <summary>Locks (creating the missing ones) the entity rows of <paramref name="entities"/> in id order.</summary>
    private static async Task LockEntitiesAsync(PgSession session, EntityLockSet entities, CancellationToken cancellationToken)
    {
        await using var batch = session.Batch();
        batch.BatchCommands.Add(LockEntitiesStatement(session, entities));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Puts a message into an entity's inbox, creating the row if missing and waking the entity if it may serve it: one
    /// round trip.
    /// </summary>
    private static async Task EnqueueEntityMessageAsync(PgSession session, PreparedEntityMessage message, CancellationToken cancellationToken)
    {
        await using var batch = session.Batch();
        AddEntityMessage(session, batch, message);
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Adds the two statements that put <paramref name="message"/> into its entity's inbox (Upsert.sql, InsertMessage.sql).</summary>
    private static void AddEntityMessage(PgSession session, NpgsqlBatch batch, PreparedEntityMessage message)
    {
        var visibleAt = message.VisibleAt ?? session.Now;
        batch.BatchCommands.Add(session.Statement("Entities/Upsert")
            .With("@EntityId", message.EntityId)
            .With("@EntityName", message.EntityName)
            .With("@EntityKey", message.EntityKey)
            .With("@Now", session.Now)
            .With("@VisibleAt", visibleAt)
            .With("@SenderId", message.SenderId));
        batch.BatchCommands.Add(session.Statement("Entities/InsertMessage")
            .With("@EntityId", message.EntityId)
            .With("@SenderId", message.SenderId)
            .With("@VisibleAt", visibleAt)
            .With("@ScheduledAt", visibleAt > session.Now ? visibleAt : null)
            .With("@Message", message.Json));

        // Also for a scheduled message, or one that waits for a lock: a dispatcher asleep until a later due time reads
        // the next due time again, and one that finds nothing to claim goes back to sleep.
        session.EntityWork = true;
    }

    /// <summary>
    /// Runs a batch whose only statement with rows is a last Entities/RefreshReadyAt.sql; true when it returned a ReadyAt
    /// (the entity row is kept and has a message it may serve, now or later).
    /// </summary>
    private static async Task<bool> ReadsReadyAtAsync(NpgsqlBatch batch, CancellationToken cancellationToken)
    {
        var ready = false;
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        do
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                ready |= !reader.IsDBNull(0);
            }
        }
        while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

        return ready;
    }

    /// <summary>Deletes those of the (locked) entity rows that have no state, lock holder or message; returns how many it deleted.</summary>
    private static async Task<int> DeleteIfEmptyAsync(PgSession session, string[] entityIds, CancellationToken cancellationToken)
    {
        await using var command = session.Command("Entities/DeleteIfEmpty").With("@EntityIds", entityIds);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Recomputes the entity's ReadyAt from its inbox; signals entity work when it has a message it may serve.</summary>
    private static async Task RefreshEntityReadyAtAsync(PgSession session, string entityId, CancellationToken cancellationToken)
    {
        await using var command = session.Command("Entities/RefreshReadyAt").With("@EntityId", entityId);
        if (await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long)
        {
            session.EntityWork = true;
        }
    }

    /// <summary>Reads an entity row in the column order of Entities/Select.sql and Entities/Query.sql.</summary>
    private static StoredEntity ReadEntity(NpgsqlDataReader reader) => new()
    {
        EntityId = reader.GetString(0),
        LastModifiedAt = PgCommandExtensions.ToTime(reader.GetInt64(1)),
        LockHolder = ReadLockHolder(reader, 2),
        HasState = reader.GetBoolean(5),
        State = reader.GetStringOrNull(6),
        BacklogCount = checked((int)reader.GetInt64(7)),
    };

    /// <summary>The lock holder from three columns (instance id, execution id, task id) starting at <paramref name="ordinal"/>.</summary>
    private static EntityCaller? ReadLockHolder(NpgsqlDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal)
            ? null
            : new EntityCaller(reader.GetString(ordinal), reader.GetString(ordinal + 1), reader.GetInt32(ordinal + 2));

    private static WorkItemLockLostException EntityLockLost(string entityId, Lease lease) => new($"entity '{entityId}'", lease.LockedBy);

    /// <summary>An entity checkpoint with everything it stores serialized before its transaction begins.</summary>
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
            ConsumedMessageIds = checkpoint.ConsumedMessageIds.Count > 0 ? [.. checkpoint.ConsumedMessageIds] : null;
            EntityMessages = PreparedEntityMessage.FromAll(checkpoint.EntityMessages);
            InstanceMessageEvents = [.. checkpoint.InstanceMessages.Select(m => StoredJson.Serialize(m.Event))];
            NewOrchestrationEvents = [.. checkpoint.NewOrchestrations.Select(s => StoredJson.Serialize(s.Started))];

            // Rows beyond its own are locked up front, in the global order; a batch that writes only its own row needs
            // no lock statement (its lease check takes the one lock it needs).
            var instances = checkpoint.InstanceMessages.Select(m => m.InstanceId)
                .Concat(checkpoint.NewOrchestrations.Select(s => s.InstanceId))
                .Distinct(StringComparer.Ordinal)
                .Order(StringComparer.Ordinal)
                .ToArray();
            InstancesToLock = instances.Length > 0 ? instances : null;
            var writesOtherEntities = EntityMessages.Any(m => !string.Equals(m.EntityId, EntityId, StringComparison.Ordinal));
            EntitiesToLock = writesOtherEntities || InstancesToLock is not null ? EntityLockSet.Of(EntityMessages, EntityId) : null;
        }

        public string EntityId { get; }

        public Lease Lease { get; }

        public EntityCheckpoint Checkpoint { get; }

        public bool StateChanged { get; }

        public long[]? ConsumedMessageIds { get; }

        public PreparedEntityMessage[] EntityMessages { get; }

        public string[] InstanceMessageEvents { get; }

        public string[] NewOrchestrationEvents { get; }

        /// <summary>This entity and the entities it sends to, to lock first; null when the batch writes only its own rows.</summary>
        public EntityLockSet? EntitiesToLock { get; }

        /// <summary>The instances it answers and starts, to lock after the entities; null when there are none.</summary>
        public string[]? InstancesToLock { get; }
    }
}
