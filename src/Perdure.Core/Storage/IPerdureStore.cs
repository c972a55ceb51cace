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
/// taken over may still be used by its holder. Instance ids and paging order are ordinal (binary) everywhere. Wake-ups are event driven: <see cref="WhenWorkAvailable"/>
/// completes after a commit that made work of that kind visible; <see cref="GetNextWorkDueAsync"/> tells when
/// delayed work (timers, back-offs) comes due.
/// </remarks>
public interface IPerdureStore : IAsyncDisposable
{
    /// <summary>The task hub this store reads and writes.</summary>
    string TaskHub { get; }

    /// <summary>Creates the task hub's storage if missing (idempotent); applies schema migrations.</summary>
    Task CreateTaskHubAsync(CancellationToken cancellationToken);

    /// <summary>Deletes every instance, message, task and history event of the task hub.</summary>
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
    /// </remarks>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's; nothing was written.</exception>
    Task CompleteOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCheckpoint checkpoint, CancellationToken cancellationToken);

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
    /// inbox and a claim.
    /// </remarks>
    /// <returns>True if the step was committed; false if the result went to the inbox instead, in which case the caller
    /// must discard the state it ran the step on.</returns>
    /// <exception cref="WorkItemLockLostException">The activity's lease is no longer the holder's; nothing was written.</exception>
    /// <exception cref="ArgumentException">The step is for another instance or execution than the activity, or it
    /// consumes stored messages.</exception>
    Task<bool> CompleteActivityWithStepAsync(ActivityWorkItem workItem, HistoryEvent result, LocalStep step, CancellationToken cancellationToken);

    /// <summary>Releases a claimed activity task; it becomes visible again after <paramref name="retryAfter"/>.</summary>
    /// <exception cref="WorkItemLockLostException">The lease is no longer the holder's.</exception>
    Task AbandonActivityAsync(ActivityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken);

    // ---- wake-ups ----

    /// <summary>
    /// A task that completes after the next commit that makes work of <paramref name="kind"/> visible. Take it before
    /// claiming so that no commit between a fruitless claim and the wait is missed.
    /// </summary>
    Task WhenWorkAvailable(WorkItemKind kind);

    /// <summary>
    /// The earliest time a not-yet-visible item of <paramref name="kind"/> may become claimable (a delayed message, a
    /// back-off or a lease expiry), or null if none waits. May be early (even in the past), never late.
    /// </summary>
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
