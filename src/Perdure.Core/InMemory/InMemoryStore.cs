using Perdure.Core.Entities;
using Perdure.Core.History;
using Perdure.Core.Storage;

namespace Perdure.Core.InMemory;

/// <summary>
/// The reference implementation of <see cref="IPerdureStore"/>: everything in process memory, one lock, nothing durable.
/// For tests and for trying Perdure out; a process exit loses all state.
/// </summary>
/// <remarks>
/// Claimable work is tracked in ready queues (validated lazily when popped) and due queues of times at which delayed
/// messages, back-offs and lease expirations make more work claimable, so a claim does not scan all instances or
/// entities. Entities (<c>InMemoryStore.Entities.cs</c>) are rows of their own, apart from orchestration instances.
/// </remarks>
public sealed partial class InMemoryStore : IPerdureStore
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly Dictionary<string, InstanceRecord> _instances = new(StringComparer.Ordinal);
    private readonly Dictionary<long, ActivityRecord> _activities = [];
    private readonly Queue<string> _readyInstances = new();
    private readonly Queue<long> _readyActivities = new();
    private readonly PriorityQueue<string, DateTimeOffset> _dueInstances = new();
    private readonly PriorityQueue<long, DateTimeOffset> _dueActivities = new();
    private readonly Dictionary<string, EntityRecord> _entities = new(StringComparer.Ordinal);
    private readonly Queue<string> _readyEntities = new();
    private readonly PriorityQueue<string, DateTimeOffset> _dueEntities = new();
    private readonly Dictionary<string, List<InstanceWaiter>> _waiters = new(StringComparer.Ordinal);
    private readonly WorkSignal _orchestrationSignal = new();
    private readonly WorkSignal _activitySignal = new();
    private readonly WorkSignal _entitySignal = new();
    private long _nextMessageId;
    private long _nextActivityId;

    /// <summary>Creates an empty store for one task hub.</summary>
    /// <param name="taskHub">The task hub name.</param>
    /// <param name="timeProvider">The clock for visibility times and leases; the system clock when null.</param>
    public InMemoryStore(string taskHub, TimeProvider? timeProvider = null)
    {
        TaskHubName.Validate(taskHub);
        TaskHub = taskHub;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc/>
    public string TaskHub { get; }

    /// <inheritdoc/>
    public Task CreateTaskHubAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc/>
    public Task DeleteTaskHubAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var ids = _instances.Keys.ToList();
            _instances.Clear();
            _activities.Clear();
            _readyInstances.Clear();
            _readyActivities.Clear();
            _dueInstances.Clear();
            _dueActivities.Clear();
            _entities.Clear();
            _readyEntities.Clear();
            _dueEntities.Clear();
            foreach (var id in ids)
            {
                NotifyWaiters(id, null);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task CreateInstanceAsync(NewInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        lock (_gate)
        {
            if (_instances.TryGetValue(instance.InstanceId, out var existing))
            {
                var status = existing.State.Status;
                if (!status.IsTerminal() || instance.DedupeStatuses.Contains(status))
                {
                    throw new InstanceAlreadyExistsException(instance.InstanceId, status);
                }
            }

            CreateLocked(instance, _time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task SendMessageAsync(InstanceMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        lock (_gate)
        {
            if (!_instances.TryGetValue(message.InstanceId, out var record))
            {
                throw new InstanceNotFoundException(message.InstanceId);
            }

            Enqueue(record, message, _time.GetUtcNow());
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<HistoryEvent> history = _instances.TryGetValue(instanceId, out var record)
                ? record.History.ToArray()
                : [];
            return Task.FromResult(history);
        }
    }

    /// <inheritdoc/>
    /// <remarks>Takes no lock (see <see cref="WorkSignal"/>).</remarks>
    public Task WhenWorkAvailable(WorkItemKind kind) => kind switch
    {
        WorkItemKind.Orchestration => _orchestrationSignal.Take(),
        WorkItemKind.Activity => _activitySignal.Take(),
        WorkItemKind.Entity => _entitySignal.Take(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown work item kind."),
    };

    /// <inheritdoc/>
    public Task<DateTimeOffset?> GetNextWorkDueAsync(WorkItemKind kind, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(kind switch
            {
                WorkItemKind.Orchestration => NextInstanceDueLocked(),
                WorkItemKind.Activity => NextActivityDueLocked(),
                WorkItemKind.Entity => NextEntityDueLocked(),
                _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown work item kind."),
            });
        }
    }

    /// <inheritdoc/>
    public async Task<InstanceState?> WaitForInstanceAsync(
        string instanceId, Func<InstanceState?, bool> condition, bool includePayloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        InstanceWaiter waiter;
        lock (_gate)
        {
            var current = _instances.TryGetValue(instanceId, out var record) ? Project(record.State, includePayloads) : null;
            if (condition(current))
            {
                return current;
            }

            waiter = new InstanceWaiter(condition, includePayloads);
            if (!_waiters.TryGetValue(instanceId, out var list))
            {
                _waiters[instanceId] = list = [];
            }

            list.Add(waiter);
        }

        try
        {
            return await waiter.Completion.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            lock (_gate)
            {
                if (_waiters.TryGetValue(instanceId, out var list) && list.Remove(waiter) && list.Count == 0)
                {
                    _waiters.Remove(instanceId);
                }
            }
        }
    }

    /// <inheritdoc/>
    public Task<InstanceState?> GetInstanceAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult(_instances.TryGetValue(instanceId, out var record)
                ? Project(record.State, includePayloads)
                : null);
        }
    }

    /// <inheritdoc/>
    public Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = ContinuationToken.Decode(query.ContinuationToken);
        lock (_gate)
        {
            var matches = _instances.Values
                .Select(r => r.State)
                .Where(s => after is null || string.CompareOrdinal(s.InstanceId, after) > 0)
                .Where(s => Matches(s, query))
                .OrderBy(s => s.InstanceId, StringComparer.Ordinal)
                .Take(query.PageSize + 1)
                .Select(s => Project(s, query.IncludePayloads))
                .ToList();
            string? next = null;
            if (matches.Count > query.PageSize)
            {
                matches.RemoveAt(matches.Count - 1);
                next = ContinuationToken.Encode(matches[^1].InstanceId);
            }

            return Task.FromResult(new InstancePage(matches, next));
        }
    }

    /// <inheritdoc/>
    public Task<int> PurgeInstanceAsync(string instanceId, bool recursive, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_instances.TryGetValue(instanceId, out var record))
            {
                return Task.FromResult(0);
            }

            if (!record.State.Status.IsTerminal())
            {
                throw new InstanceStateException(instanceId, record.State.Status,
                    $"Orchestration instance '{instanceId}' is {record.State.Status}; only completed, failed or terminated " +
                    "instances can be purged. Terminate it first, or wait for it to finish.");
            }

            return Task.FromResult(PurgeLocked(record, recursive));
        }
    }

    /// <inheritdoc/>
    public Task<int> PurgeInstancesAsync(PurgeFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        lock (_gate)
        {
            var victims = _instances.Values
                .Where(r => r.State.Status.IsTerminal()
                    && (filter.Statuses is not { Count: > 0 } || filter.Statuses.Contains(r.State.Status))
                    && (filter.CreatedFrom is null || r.State.CreatedAt >= filter.CreatedFrom)
                    && (filter.CreatedTo is null || r.State.CreatedAt <= filter.CreatedTo))
                .ToList();
            foreach (var victim in victims)
            {
                RemoveLocked(victim);
            }

            return Task.FromResult(victims.Count);
        }
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static bool Matches(InstanceState state, InstanceQuery query) =>
        (query.Statuses is not { Count: > 0 } || query.Statuses.Contains(state.Status))
        && (query.CreatedFrom is null || state.CreatedAt >= query.CreatedFrom)
        && (query.CreatedTo is null || state.CreatedAt <= query.CreatedTo)
        && (query.CompletedFrom is null || state.CompletedAt >= query.CompletedFrom)
        && (query.CompletedTo is null || state.CompletedAt <= query.CompletedTo)
        && (query.InstanceIdPrefix is null || state.InstanceId.StartsWith(query.InstanceIdPrefix, StringComparison.Ordinal))
        && (query.Name is null || string.Equals(state.Name, query.Name, StringComparison.OrdinalIgnoreCase));

    private static InstanceState Project(InstanceState state, bool includePayloads) =>
        includePayloads ? state : state with { Input = null, Output = null, CustomStatus = null };

    private int PurgeLocked(InstanceRecord record, bool recursive)
    {
        var count = 0;
        if (recursive)
        {
            var children = _instances.Values
                .Where(r => r.State.Parent?.InstanceId == record.State.InstanceId && r.State.Status.IsTerminal())
                .ToList();
            foreach (var child in children)
            {
                count += PurgeLocked(child, recursive: true);
            }
        }

        RemoveLocked(record);
        return count + 1;
    }

    private void RemoveLocked(InstanceRecord record)
    {
        _instances.Remove(record.State.InstanceId);
        foreach (var (id, _) in _activities.Where(a => a.Value.Task.InstanceId == record.State.InstanceId).ToList())
        {
            _activities.Remove(id);
        }

        NotifyWaiters(record.State.InstanceId, null);
    }

    private void CreateLocked(NewInstance instance, DateTimeOffset now)
    {
        var started = instance.Started;
        var state = new InstanceState
        {
            InstanceId = instance.InstanceId,
            ExecutionId = started.ExecutionId,
            Name = started.Name,
            Version = started.Version,
            Status = OrchestrationStatus.Pending,
            Input = started.Input,
            CreatedAt = now,
            LastUpdatedAt = now,
            ScheduledStartAt = started.ScheduledStartAt,
            Tags = started.Tags,
            Parent = started.Parent,
            TraceParent = started.TraceParent,
        };
        var record = new InstanceRecord(state);
        _instances[instance.InstanceId] = record;
        Enqueue(record, new InstanceMessage
        {
            InstanceId = instance.InstanceId,
            ExecutionId = started.ExecutionId,
            Event = started,
            VisibleAt = started.ScheduledStartAt,
        }, now);
        NotifyWaiters(instance.InstanceId, record.State);
    }

    private void Enqueue(InstanceRecord record, InstanceMessage message, DateTimeOffset now)
    {
        var stored = message with { MessageId = ++_nextMessageId };
        record.Inbox.Add(stored);
        if (stored.Event is ExecutionTerminatedEvent)
        {
            record.NotBefore = null; // a terminate request never waits out a back-off
        }

        if (stored.VisibleAt is { } visibleAt && visibleAt > now)
        {
            _dueInstances.Enqueue(record.State.InstanceId, visibleAt);
            SignalOrchestrations();
        }
        else
        {
            MarkReady(record, now);
        }
    }

    private void MarkReady(InstanceRecord record, DateTimeOffset now)
    {
        if (IsClaimable(record, now))
        {
            _readyInstances.Enqueue(record.State.InstanceId);
            SignalOrchestrations();
        }
    }

    private void SignalOrchestrations() => _orchestrationSignal.Set();

    private void SignalActivities() => _activitySignal.Set();

    // The due queues keep entries that no longer stand for anything (a lease released by a commit or replaced by a
    // renewal, a consumed message, a purged instance); they are dropped here so that the next due time names real work.
    private DateTimeOffset? NextInstanceDueLocked()
    {
        while (_dueInstances.TryPeek(out var instanceId, out var dueAt))
        {
            if (_instances.TryGetValue(instanceId, out var record)
                && (record.NotBefore == dueAt
                    || record.Lease?.LockExpiration == dueAt
                    || HasMessageVisibleAt(record.Inbox, dueAt)))
            {
                return dueAt;
            }

            _dueInstances.Dequeue();
        }

        return null;
    }

    private DateTimeOffset? NextActivityDueLocked()
    {
        while (_dueActivities.TryPeek(out var taskId, out var dueAt))
        {
            if (_activities.TryGetValue(taskId, out var record)
                && (record.NotBefore == dueAt || record.Lease?.LockExpiration == dueAt))
            {
                return dueAt;
            }

            _dueActivities.Dequeue();
        }

        return null;
    }

    private static bool IsVisible(InstanceMessage message, DateTimeOffset now) => message.VisibleAt is not { } at || at <= now;

    // Loops rather than List.Exists with a lambda: the lambda would capture its time, an allocation per call under the lock.
    private static bool HasVisible(List<InstanceMessage> inbox, DateTimeOffset now)
    {
        foreach (var message in inbox)
        {
            if (IsVisible(message, now))
            {
                return true;
            }
        }

        return false;
    }

    private static bool HasMessageVisibleAt(List<InstanceMessage> inbox, DateTimeOffset at)
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

    private static bool IsClaimable(InstanceRecord record, DateTimeOffset now)
    {
        if (record.Lease is { } lease && lease.LockExpiration > now)
        {
            return false;
        }

        if (record.NotBefore is { } notBefore && notBefore > now)
        {
            return false;
        }

        var suspended = record.State.Status == OrchestrationStatus.Suspended;
        foreach (var message in record.Inbox)
        {
            if (IsVisible(message, now)
                && (!suspended || message.Event is ExecutionResumedEvent or ExecutionTerminatedEvent))
            {
                return true;
            }
        }

        return false;
    }

    private void NotifyWaiters(string instanceId, InstanceState? state)
    {
        if (!_waiters.TryGetValue(instanceId, out var list))
        {
            return;
        }

        foreach (var waiter in list)
        {
            var projected = state is null ? null : Project(state, waiter.IncludePayloads);
            try
            {
                if (waiter.Condition(projected))
                {
                    waiter.Completion.TrySetResult(projected);
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A caller's faulty condition fails that caller's wait, never the commit that triggered it.
                waiter.Completion.TrySetException(ex);
            }
        }
    }

    /// <summary>
    /// The wake-up of one kind of dispatcher. A dispatcher takes the signal before it claims, without the store's lock; a
    /// change that makes work claimable sets it under the lock. Setting it completes the task handed out and puts a new
    /// one in its place, but only if that task was handed out: otherwise nobody can be waiting for it, and a busy store
    /// makes no task per change.
    /// </summary>
    /// <remarks>
    /// The taken mark belongs to the task it was made for, so a dispatcher that reads the new task while a set replaces
    /// the old one still has its take seen by the next set. A dispatcher marks the task it read (interlocked), then claims
    /// under the lock. A set that found that task unmarked ran its locked section before the claim, so the claim sees the
    /// work; a set that found it marked completes it.
    /// </remarks>
    private sealed class WorkSignal
    {
        private Signal _current = new();

        public Task Take()
        {
            var signal = Volatile.Read(ref _current);
            Interlocked.Exchange(ref signal.Taken, 1);
            return signal.Task;
        }

        /// <summary>Called under the store's lock.</summary>
        public void Set()
        {
            var signal = _current;
            if (Volatile.Read(ref signal.Taken) == 0)
            {
                return;
            }

            Volatile.Write(ref _current, new Signal());
            signal.TrySetResult();
        }

        private sealed class Signal() : TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)
        {
            public int Taken;
        }
    }

    private sealed class InstanceRecord(InstanceState state)
    {
        public InstanceState State { get; set; } = state;

        public List<HistoryEvent> History { get; set; } = [];

        public List<InstanceMessage> Inbox { get; } = [];

        public Lease? Lease { get; set; }

        public DateTimeOffset? NotBefore { get; set; }
    }

    private sealed class ActivityRecord(long id, ActivityTask task)
    {
        public long Id { get; } = id;

        public ActivityTask Task { get; } = task;

        public Lease? Lease { get; set; }

        public DateTimeOffset? NotBefore { get; set; }
    }

    private sealed class InstanceWaiter(Func<InstanceState?, bool> condition, bool includePayloads)
    {
        public Func<InstanceState?, bool> Condition { get; } = condition;

        public bool IncludePayloads { get; } = includePayloads;

        public TaskCompletionSource<InstanceState?> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
