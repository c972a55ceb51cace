using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Core.Storage;

/// <summary>
/// The storage contract every Perdure backend implements, for one task hub. Every write is atomic; every member is
/// safe to call concurrently from many threads (and, for shared databases, from many processes).
/// </summary>
/// <remarks>
/// Work is claimed under leases. A lease is identified by its holder and its expiration (<see cref="Lease"/>); renewing
/// replaces it. A complete, renew or abandon call whose lease is no longer the stored one (another claim or renewal
/// happened since) throws <see cref="WorkItemLockLostException"/> and writes nothing. A lease that expired but was not
/// taken over may still be used by its holder. Instance ids, entity ids and paging order are ordinal (binary) everywhere. Wake-ups are event driven: <see cref="WhenWorkAvailable"/>
/// completes after a commit that made work of that kind visible; <see cref="GetNextWorkDueAsync"/> tells when
/// delayed work (timers, back-offs) comes due.
/// <para>
/// Durable entities live beside orchestration instances in the same task hub but are rows of their own kind, keyed by
/// their id in its exact form (<see cref="EntityId.ParseExact"/>): orchestration reads, queries and purges never see
/// them, and the entity members never see orchestration instances.
/// </para>
/// </remarks>
public interface IPerdureStore : IAsyncDisposable
{
    /// <summary>The task hub this store reads and writes.</summary>
    string TaskHub { get; }

    /// <summary>Creates the task hub's storage if missing (idempotent); applies schema migrations.</summary>
    Task CreateTaskHubAsync(CancellationToken cancellationToken);

    /// <summary>Deletes every instance, message, task, history event and entity of the task hub.</summary>
    Task DeleteTaskHubAsync(CancellationToken cancellationToken);

    // ---- intake ----

    /// <summary>Creates an instance (status Pending) with its <see cref="ExecutionStartedEvent"/> in its inbox.</summary>
    /// <remarks>
    /// The message becomes visible at <see cref="ExecutionStartedEvent.ScheduledStartAt"/> when set. An existing instance
    /// with the same id is replaced (its history and inbox removed) unless it is Pending, Running or Suspended, or its
    /// status is in <see cref="NewInstance.DedupeStatuses"/>.
    /// </remarks>
    /// <exception cref="InstanceAlreadyExistsException">An instance with the id exists in a status that forbids it.</exception>
    Task CreateInstanceAsync(NewInstance instance, CancellationToken cancellationToken);

    /// <summary>Puts a message into an existing instance's inbox.</summary>
    /// <remarks>A terminate message (<see cref="ExecutionTerminatedEvent"/>) also clears the instance's back-off.</remarks>
    /// <exception cref="InstanceNotFoundException">The instance does not exist.</exception>
    Task SendMessageAsync(InstanceMessage message, CancellationToken cancellationToken);

    // ---- orchestrations ----

    /// <summary>
    /// Claims up to <paramref name="maxCount"/> instances that have visible inbox messages and no live lease (fewer, or
    /// none, when fewer are claimable), each under its own lease, in one round trip.
    /// </summary>
    /// <remarks>
    /// A Suspended instance is claimable only for resume and terminate messages; other messages wait in its inbox. The
    /// work item carries every visible message of the instance in arrival order (for a suspended instance too, held
    /// messages included). Messages addressed to an execution that has ended are still delivered; the engine drops them.
    /// A store may attach the current execution's history (<see cref="OrchestrationWorkItem.History"/>) when it expects
    /// the claiming worker to have no cached copy; it must then be complete and match the work item's history length.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is less than 1.</exception>
    Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken);

    /// <summary>Extends the lease of a claimed instance.</summary>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's.</exception>
    Task RenewOrchestrationLeaseAsync(OrchestrationWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>Commits a step: the checkpoint is written in one transaction and the lease released.</summary>
    /// <remarks>
    /// The instance row takes every field of <see cref="OrchestrationCheckpoint.Instance"/> except the instance id and
    /// creation time (the store's own) and the execution id, which changes only through
    /// <see cref="OrchestrationCheckpoint.NewExecutionId"/>. The store sets the last-updated time.
    /// <see cref="OrchestrationCheckpoint.EntityMessages"/> go into their entities' inboxes in the same transaction, as
    /// <see cref="SendEntityMessageAsync"/> puts them there (rows created if missing). The activity calls named by
    /// <see cref="OrchestrationCheckpoint.LeaseActivities"/> are written leased to the work item's lease holder, claimable
    /// by nobody until that lease runs out (and then by anyone, as a claimed task whose lease ran out); the others are
    /// claimable at once.
    /// </remarks>
    /// <returns>The leased activity calls as claimed work items, in call order; empty when the checkpoint leases none.</returns>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's; nothing was written.</exception>
    /// <exception cref="ArgumentException">An entity message fails <see cref="EntityInboxMessage.Validate"/>, or
    /// <see cref="OrchestrationCheckpoint.LeaseActivities"/> fails <see cref="ActivityLeaseRequest.CountOf"/>; nothing was written.</exception>
    Task<IReadOnlyList<ActivityWorkItem>> CompleteOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>Releases a claimed instance without changes; its messages become visible again after <paramref name="retryAfter"/>.</summary>
    /// <remarks>No back-off applies while a terminate message waits in the inbox (it may have arrived during the claim).</remarks>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's.</exception>
    Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken);

    /// <summary>Reads the history of the instance's current execution in sequence order; empty if the instance is unknown.</summary>
    Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken);

    // ---- activities ----

    /// <summary>
    /// Claims up to <paramref name="maxCount"/> visible activity tasks with no live lease (fewer, or none, when fewer are
    /// claimable), each under its own lease, in one round trip.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is less than 1.</exception>
    Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken);

    /// <summary>Extends the lease of a claimed activity task.</summary>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's.</exception>
    Task RenewActivityLeaseAsync(ActivityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: deletes the activity task and puts <paramref name="result"/> (a <see cref="TaskCompletedEvent"/> or
    /// <see cref="TaskFailedEvent"/>) into the calling instance's inbox, addressed to the calling execution.
    /// </summary>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's; nothing was written.</exception>
    Task CompleteActivityAsync(ActivityWorkItem workItem, HistoryEvent result, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: deletes the activity task and, if its instance is still exactly as <paramref name="step"/> assumed,
    /// commits that step (which applied <paramref name="result"/> on the worker's cached state) as
    /// <see cref="CompleteOrchestrationAsync"/> would; otherwise puts <paramref name="result"/> into the inbox as
    /// <see cref="CompleteActivityAsync"/> does and drops the step.
    /// </summary>
    /// <remarks>
    /// The step is committed only if the instance is at the step's execution and history length, Running, neither leased
    /// by anyone (an expired lease counts as none) nor backing off, and has no visible message in its inbox (so messages
    /// are still applied in arrival order). This saves a worker that caches the instance the result's trip through the
    /// inbox and a claim. The step's <see cref="OrchestrationCheckpoint.EntityMessages"/> are written only if the step is;
    /// its <see cref="OrchestrationCheckpoint.LeaseActivities"/> are leased to the activity's lease holder.
    /// </remarks>
    /// <returns>Whether the step was committed (if not, the result went to the inbox instead, and the caller must discard
    /// the state it ran the step on), and the activity calls it leased.</returns>
    /// <exception cref="WorkItemLockLostException">The activity's lease is no longer the holder's; nothing was written.</exception>
    /// <exception cref="ArgumentException">The step is for another instance or execution than the activity, it
    /// consumes stored messages, one of its entity messages fails <see cref="EntityInboxMessage.Validate"/>, or its
    /// <see cref="OrchestrationCheckpoint.LeaseActivities"/> fails <see cref="ActivityLeaseRequest.CountOf"/>; nothing was
    /// written.</exception>
    Task<LocalStepResult> CompleteActivityWithStepAsync(ActivityWorkItem workItem, HistoryEvent result, LocalStep step, CancellationToken cancellationToken);

    /// <summary>Releases a claimed activity task; it becomes visible again after <paramref name="retryAfter"/>.</summary>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's.</exception>
    Task AbandonActivityAsync(ActivityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken);

    // ---- entities ----

    /// <summary>
    /// Puts a message into an entity's inbox, creating the entity row (no state, unlocked, last modified now) in the same
    /// transaction if there is none. Nothing else of an existing row changes.
    /// </summary>
    /// <remarks>
    /// The message gets the store's next message id (ids grow in arrival order; <see cref="EntityInboxMessage.MessageId"/>
    /// is ignored) and becomes visible at <see cref="EntityInboxMessage.VisibleAt"/>, or at once when that is null or past.
    /// </remarks>
    /// <exception cref="ArgumentException">The message fails <see cref="EntityInboxMessage.Validate"/> (a malformed entity
    /// id, one not in its exact form, a malformed message); nothing was written.</exception>
    Task SendEntityMessageAsync(EntityInboxMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// Claims up to <paramref name="maxCount"/> claimable entities (fewer, or none, when fewer are claimable), each under its
    /// own lease, in one round trip.
    /// </summary>
    /// <remarks>
    /// <para>
    /// An entity is claimable when it has no live lease (one whose expiration has passed counts as none), no back-off from
    /// <see cref="AbandonEntityAsync"/>, and a visible inbox message it may serve: any message while it is unlocked; while
    /// it is locked (<see cref="StoredEntity.LockHolder"/> set), only a message whose <see cref="EntityMessage.SenderId"/>
    /// is the lock holder's instance id. Messages a locked entity may not serve wait in place and do not make it claimable,
    /// so such an entity costs no claims until its lock is released.
    /// </para><para>
    /// The work item carries the entity row with its state, and every visible inbox message in arrival order, including
    /// those the entity may not serve yet; messages not yet visible are left out. The engine picks the batch from them, and
    /// its checkpoint names exactly the messages it consumed. A claim clears an expired back-off.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="lockedBy"/> is null or empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxCount"/> is less than 1, or
    /// <paramref name="leaseDuration"/> is not positive.</exception>
    Task<IReadOnlyList<EntityWorkItem>> ClaimEntitiesAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken);

    /// <summary>Extends the lease of a claimed entity to now plus <paramref name="leaseDuration"/>, and puts the new lease into <paramref name="workItem"/>.</summary>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's (another worker claimed the entity
    /// after the lease expired, or it was purged or cleaned meanwhile); nothing was written.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="leaseDuration"/> is not positive.</exception>
    Task RenewEntityLeaseAsync(EntityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken);

    /// <summary>Commits an entity batch: the checkpoint is written in one transaction and the lease released.</summary>
    /// <remarks>
    /// <para>
    /// In that transaction: the row takes <see cref="EntityCheckpoint.State"/> (null deletes the state) and
    /// <see cref="EntityCheckpoint.LockHolder"/> (null unlocks), and its last-modified time becomes now; exactly the
    /// messages of <see cref="EntityCheckpoint.ConsumedMessageIds"/> are deleted (messages that arrived since the claim,
    /// and those the batch did not take, stay in place); <see cref="EntityCheckpoint.EntityMessages"/> go into their
    /// entities' inboxes as <see cref="SendEntityMessageAsync"/> puts them (rows created; a message to this entity stays
    /// in its own inbox); <see cref="EntityCheckpoint.InstanceMessages"/> go into existing instances' inboxes (a message
    /// to a missing instance is dropped); <see cref="EntityCheckpoint.NewOrchestrations"/> are created as
    /// <see cref="CreateInstanceAsync"/> would, except that an id in use by a Pending, Running or Suspended instance, or by
    /// one whose status is in <see cref="NewInstance.DedupeStatuses"/>, leaves that instance alone instead of throwing.
    /// </para><para>
    /// Finally the row is deleted if it is left with no state, no lock holder and no inbox message (scheduled ones
    /// included); otherwise it is claimable again at once if it has a message it may serve.
    /// </para>
    /// </remarks>
    /// <returns>The ids of the orchestrations of <see cref="EntityCheckpoint.NewOrchestrations"/> that were not created
    /// because of an existing instance (for the engine to log); empty when all were.</returns>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's; nothing was written.</exception>
    /// <exception cref="ArgumentException">The checkpoint fails <see cref="EntityCheckpoint.Validate"/> (it consumes a
    /// message the work item did not deliver, or sends something malformed); nothing was written and the lease is kept.</exception>
    Task<IReadOnlyList<string>> CompleteEntityAsync(EntityWorkItem workItem, EntityCheckpoint checkpoint, CancellationToken cancellationToken);

    /// <summary>
    /// Releases a claimed entity without changes; it becomes claimable again after <paramref name="retryAfter"/> (at once
    /// when zero).
    /// </summary>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's; nothing was written.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="retryAfter"/> is negative.</exception>
    Task AbandonEntityAsync(EntityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken);

    /// <summary>Reads an entity row, or null if there is none.</summary>
    /// <remarks>
    /// Transient rows (no state, but locked or with messages waiting) are returned too, with
    /// <see cref="StoredEntity.HasState"/> false. <see cref="StoredEntity.State"/> is read only when
    /// <paramref name="includeState"/>; <see cref="StoredEntity.BacklogCount"/> counts every inbox message, scheduled ones
    /// included.
    /// </remarks>
    /// <exception cref="ArgumentException"><paramref name="entityId"/> is not a valid entity id in its exact form.</exception>
    Task<StoredEntity?> GetEntityAsync(string entityId, bool includeState, CancellationToken cancellationToken);

    /// <summary>Reads one page of entity rows matching the query, ordered by entity id.</summary>
    /// <remarks>
    /// <see cref="StoredEntityQuery.EntityIdPrefix"/> is an ordinal prefix of <c>@name@key</c> (a prefix that does not
    /// start with '@' matches nothing); the last-modified bounds are inclusive; rows without state are included only with
    /// <see cref="StoredEntityQuery.IncludeTransient"/>; states are read only with <see cref="StoredEntityQuery.IncludeState"/>.
    /// A page holds at most <see cref="StoredEntityQuery.PageSize"/> rows; its continuation token is null when no further
    /// row matches.
    /// </remarks>
    /// <exception cref="ArgumentException">The continuation token is not one an entity query or cleanup of this store
    /// produced.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The page size is less than 1.</exception>
    Task<StoredEntityPage> QueryEntitiesAsync(StoredEntityQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Examines the next <see cref="EntityCleanupRequest.PageSize"/> entity rows in id order (after the continuation token)
    /// and cleans them as asked, each row atomically.
    /// </summary>
    /// <remarks>
    /// <para>
    /// <see cref="EntityCleanupRequest.ReleaseOrphanedLocks"/> clears every lock holder whose instance does not exist, is
    /// not Pending, Running or Suspended, or is at another execution than the lock request's; the messages that waited
    /// become servable. A row the release leaves with no state and no message is deleted (counted as a released lock
    /// only). <see cref="EntityCleanupRequest.RemoveEmptyEntities"/> deletes rows that have no state, no lock holder and no
    /// message (commits never leave such rows, so normally there are none).
    /// </para><para>
    /// Cleaning a row revokes its lease: a batch in flight on it cannot commit (<see cref="WorkItemLockLostException"/>)
    /// and its messages are served again from the cleaned row. Rows that need no cleaning are not touched. The continuation
    /// token is null when every row has been examined.
    /// </para>
    /// </remarks>
    /// <exception cref="ArgumentException">The continuation token is not one an entity cleanup or query of this store
    /// produced.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The page size is less than 1.</exception>
    Task<EntityCleanupResult> CleanEntityStorageAsync(EntityCleanupRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes an entity row with its state and its whole inbox (scheduled messages included). Returns 1, or 0 if there is
    /// no row.
    /// </summary>
    /// <remarks>
    /// A batch in flight on the entity cannot commit (<see cref="WorkItemLockLostException"/>). Orchestrations waiting
    /// for the answer to a deleted call or lock request are not told: purge entities nobody waits on.
    /// </remarks>
    /// <exception cref="EntityLockedException">The entity is locked by a critical section; nothing was deleted.</exception>
    /// <exception cref="ArgumentException"><paramref name="entityId"/> is not a valid entity id in its exact form.</exception>
    Task<int> PurgeEntityAsync(string entityId, CancellationToken cancellationToken);

    // ---- wake-ups ----

    /// <summary>
    /// A task that completes after the next commit that makes work of <paramref name="kind"/> visible, or that adds delayed
    /// work of that kind (so that a waiting dispatcher reads <see cref="GetNextWorkDueAsync"/> again). Take it before
    /// claiming so that no commit between a fruitless claim and the wait is missed.
    /// </summary>
    /// <remarks>
    /// For <see cref="WorkItemKind.Entity"/>: a message an entity may serve became visible at once (sent by a client, an
    /// orchestration step or an entity batch), a commit left servable messages (a lock release lets waiting messages
    /// through), a scheduled message or back-off was added, or an abandon released an entity.
    /// </remarks>
    Task WhenWorkAvailable(WorkItemKind kind);

    /// <summary>
    /// The earliest time a not-yet-visible item of <paramref name="kind"/> may become claimable (a delayed message, a
    /// back-off or a lease expiry), or null if none waits. May be early (even in the past), never late.
    /// </summary>
    /// <remarks>For <see cref="WorkItemKind.Entity"/>: scheduled entity messages, entity back-offs and entity lease expiries.</remarks>
    Task<DateTimeOffset?> GetNextWorkDueAsync(WorkItemKind kind, CancellationToken cancellationToken);

    /// <summary>
    /// Waits until the instance's state satisfies <paramref name="condition"/> (which is given null while the instance does
    /// not exist) and returns that state. Event driven, not a polling loop.
    /// </summary>
    Task<InstanceState?> WaitForInstanceAsync(string instanceId, Func<InstanceState?, bool> condition, bool includePayloads, CancellationToken cancellationToken);

    // ---- reads ----

    /// <summary>Reads an instance, or null if it does not exist.</summary>
    Task<InstanceState?> GetInstanceAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken);

    /// <summary>Reads one page of instances matching the query, ordered by instance id.</summary>
    /// <exception cref="ArgumentException">The continuation token is not one this store produced.</exception>
    Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken);

    // ---- maintenance ----

    /// <summary>
    /// Deletes a terminal instance with its history and inbox; with <paramref name="recursive"/>, its sub-orchestrations too.
    /// Returns how many instances were deleted (0 if it does not exist).
    /// </summary>
    /// <exception cref="InstanceStateException">The instance is not in a terminal status; nothing was deleted.</exception>
    Task<int> PurgeInstanceAsync(string instanceId, bool recursive, CancellationToken cancellationToken);

    /// <summary>Deletes every terminal instance matching the filter, with history and inbox. Returns how many.</summary>
    Task<int> PurgeInstancesAsync(PurgeFilter filter, CancellationToken cancellationToken);
}
