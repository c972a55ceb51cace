using Perdure.Core.History;

namespace Perdure.Core.InMemory;

public sealed partial class InMemoryStore
{
    /// <inheritdoc/>
    public Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var claimed = new List<OrchestrationWorkItem>();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            PromoteDueInstances(now);
            while (claimed.Count < maxCount && _readyInstances.TryDequeue(out var instanceId))
            {
                if (!_instances.TryGetValue(instanceId, out var record) || !IsClaimable(record, now))
                {
                    continue;
                }

                var lease = new Lease(lockedBy, now + leaseDuration);
                record.Lease = lease;
                record.NotBefore = null;
                _dueInstances.Enqueue(instanceId, lease.LockExpiration);
                var messages = record.Inbox.Where(m => IsVisible(m, now)).ToArray();
                claimed.Add(new OrchestrationWorkItem(record.State, messages, record.History.Count, lease));
            }
        }

        return Task.FromResult<IReadOnlyList<OrchestrationWorkItem>>(claimed);
    }

    /// <inheritdoc/>
    public Task RenewOrchestrationLeaseAsync(OrchestrationWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        lock (_gate)
        {
            var record = OwnedInstance(workItem);
            var lease = new Lease(workItem.Lease.LockedBy, _time.GetUtcNow() + leaseDuration);
            record.Lease = lease;
            workItem.Lease = lease;
            _dueInstances.Enqueue(workItem.InstanceId, lease.LockExpiration);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ActivityWorkItem>> CompleteOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ValidateEntityMessages(checkpoint);
        var leased = ActivityLeaseRequest.CountOf(checkpoint);
        lock (_gate)
        {
            var record = OwnedInstance(workItem);
            if (record.State.ExecutionId != checkpoint.ExecutionId)
            {
                throw new WorkItemLockLostException($"execution '{checkpoint.ExecutionId}' of '{workItem.InstanceId}'", workItem.Lease.LockedBy);
            }

            return Task.FromResult(ApplyCheckpoint(record, checkpoint, leased, workItem.Lease.LockedBy, _time.GetUtcNow()));
        }
    }

    /// <inheritdoc/>
    public Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        lock (_gate)
        {
            var record = OwnedInstance(workItem);
            var now = _time.GetUtcNow();
            record.Lease = null;
            if (retryAfter > TimeSpan.Zero && !record.Inbox.Exists(m => m.Event is ExecutionTerminatedEvent))
            {
                record.NotBefore = now + retryAfter;
                _dueInstances.Enqueue(workItem.InstanceId, now + retryAfter);
                SignalOrchestrations();
            }
            else
            {
                MarkReady(record, now);
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var claimed = new List<ActivityWorkItem>();
        lock (_gate)
        {
            var now = _time.GetUtcNow();
            while (_dueActivities.TryPeek(out var dueId, out var dueAt) && dueAt <= now)
            {
                _dueActivities.Dequeue();
                _readyActivities.Enqueue(dueId);
            }

            while (claimed.Count < maxCount && _readyActivities.TryDequeue(out var id))
            {
                if (!_activities.TryGetValue(id, out var record)
                    || record.Lease is { } held && held.LockExpiration > now
                    || record.NotBefore is { } notBefore && notBefore > now)
                {
                    continue;
                }

                var lease = new Lease(lockedBy, now + leaseDuration);
                record.Lease = lease;
                record.NotBefore = null;
                _dueActivities.Enqueue(id, lease.LockExpiration);
                var task = record.Task;
                claimed.Add(new ActivityWorkItem(id, task.InstanceId, task.ExecutionId, task.Scheduled, lease));
            }
        }

        return Task.FromResult<IReadOnlyList<ActivityWorkItem>>(claimed);
    }

    /// <inheritdoc/>
    public Task RenewActivityLeaseAsync(ActivityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        lock (_gate)
        {
            var record = OwnedActivity(workItem);
            var lease = new Lease(workItem.Lease.LockedBy, _time.GetUtcNow() + leaseDuration);
            record.Lease = lease;
            workItem.Lease = lease;
            _dueActivities.Enqueue(workItem.TaskId, lease.LockExpiration);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task CompleteActivityAsync(ActivityWorkItem workItem, HistoryEvent result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(result);
        ActivityWorkItem.EnsureResult(result);
        lock (_gate)
        {
            OwnedActivity(workItem);
            _activities.Remove(workItem.TaskId);
            if (_instances.TryGetValue(workItem.InstanceId, out var target))
            {
                Enqueue(target, new InstanceMessage
                {
                    InstanceId = workItem.InstanceId,
                    ExecutionId = workItem.ExecutionId,
                    Event = result,
                }, _time.GetUtcNow());
            }
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    public Task<LocalStepResult> CompleteActivityWithStepAsync(ActivityWorkItem workItem, HistoryEvent result, LocalStep step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(step);
        ActivityWorkItem.EnsureResult(result);
        step.EnsureFollows(workItem);
        ValidateEntityMessages(step.Checkpoint);
        var leased = ActivityLeaseRequest.CountOf(step.Checkpoint);
        lock (_gate)
        {
            OwnedActivity(workItem);
            _activities.Remove(workItem.TaskId);
            if (!_instances.TryGetValue(workItem.InstanceId, out var record))
            {
                return Task.FromResult(LocalStepResult.NotCommitted);
            }

            var now = _time.GetUtcNow();
            if (record.State.ExecutionId == step.Instance.ExecutionId
                && record.History.Count == step.HistoryLength
                && record.State.Status == OrchestrationStatus.Running
                && (record.Lease is null || record.Lease.LockExpiration <= now)
                && (record.NotBefore is null || record.NotBefore <= now)
                && !HasVisible(record.Inbox, now))
            {
                return Task.FromResult(new LocalStepResult(true, ApplyCheckpoint(record, step.Checkpoint, leased, workItem.Lease.LockedBy, now)));
            }

            Enqueue(record, new InstanceMessage { InstanceId = workItem.InstanceId, ExecutionId = workItem.ExecutionId, Event = result }, now);
            return Task.FromResult(LocalStepResult.NotCommitted);
        }
    }

    /// <inheritdoc/>
    public Task AbandonActivityAsync(ActivityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        lock (_gate)
        {
            var record = OwnedActivity(workItem);
            var now = _time.GetUtcNow();
            record.Lease = null;
            if (retryAfter > TimeSpan.Zero)
            {
                record.NotBefore = now + retryAfter;
                _dueActivities.Enqueue(workItem.TaskId, now + retryAfter);
            }
            else
            {
                _readyActivities.Enqueue(workItem.TaskId);
            }

            SignalActivities();
        }

        return Task.CompletedTask;
    }

    private void PromoteDueInstances(DateTimeOffset now)
    {
        while (_dueInstances.TryPeek(out var instanceId, out var dueAt) && dueAt <= now)
        {
            _dueInstances.Dequeue();
            _readyInstances.Enqueue(instanceId);
        }
    }

    private static void ValidateEntityMessages(OrchestrationCheckpoint checkpoint)
    {
        if (checkpoint.EntityMessages is null)
        {
            throw new ArgumentException("The checkpoint's EntityMessages is null; use an empty list for none.", nameof(checkpoint));
        }

        foreach (var message in checkpoint.EntityMessages)
        {
            if (message is null)
            {
                throw new ArgumentException("The checkpoint sends a null entity message.", nameof(checkpoint));
            }

            message.Validate();
        }
    }

    /// <summary>
    /// Writes a checkpoint into an instance the caller may commit to, and releases its lease. The first
    /// <paramref name="leased"/> activity calls are leased to <paramref name="lockedBy"/> and returned.
    /// </summary>
    private IReadOnlyList<ActivityWorkItem> ApplyCheckpoint(
        InstanceRecord record, OrchestrationCheckpoint checkpoint, int leased, string lockedBy, DateTimeOffset now)
    {
        if (checkpoint.NewExecutionId is null)
        {
            record.History.AddRange(checkpoint.NewEvents);
        }
        else
        {
            // Continue-as-new: the old execution's history is superseded; only the new one is kept.
            record.History = [.. checkpoint.NewExecutionHistory];
        }

        // The row's key, creation time and change time belong to the store, whatever the checkpoint's copy says.
        record.State = checkpoint.Instance with
        {
            InstanceId = record.State.InstanceId,
            ExecutionId = checkpoint.NewExecutionId ?? record.State.ExecutionId,
            CreatedAt = record.State.CreatedAt,
            LastUpdatedAt = now,
        };
        if (checkpoint.ConsumedMessageIds.Count > 0)
        {
            var consumed = checkpoint.ConsumedMessageIds.ToHashSet();
            record.Inbox.RemoveAll(m => consumed.Contains(m.MessageId));
        }

        IReadOnlyList<ActivityWorkItem> leasedItems = [];
        if (leased > 0)
        {
            var lease = new Lease(lockedBy, now + checkpoint.LeaseActivities!.Duration);
            var items = new ActivityWorkItem[leased];
            for (var i = 0; i < leased; i++)
            {
                var task = checkpoint.ActivityTasks[i];
                var id = ++_nextActivityId;
                _activities[id] = new ActivityRecord(id, task) { Lease = lease };
                _dueActivities.Enqueue(id, lease.LockExpiration);
                items[i] = new ActivityWorkItem(id, task.InstanceId, task.ExecutionId, task.Scheduled, lease);
            }

            leasedItems = items;
        }

        for (var i = leased; i < checkpoint.ActivityTasks.Count; i++)
        {
            var id = ++_nextActivityId;
            _activities[id] = new ActivityRecord(id, checkpoint.ActivityTasks[i]);
            _readyActivities.Enqueue(id);
        }

        if (checkpoint.ActivityTasks.Count > leased)
        {
            SignalActivities();
        }

        foreach (var child in checkpoint.SubOrchestrations)
        {
            if (_instances.TryGetValue(child.InstanceId, out var existing) && !existing.State.Status.IsTerminal())
            {
                RejectSubOrchestration(child, existing.State.Status, now);
            }
            else
            {
                CreateLocked(child, now);
            }
        }

        foreach (var message in checkpoint.Messages)
        {
            if (_instances.TryGetValue(message.InstanceId, out var target))
            {
                Enqueue(target, message, now);
            }
        }

        foreach (var message in checkpoint.EntityMessages)
        {
            EnqueueEntityMessage(message, now);
        }

        record.Lease = null;
        MarkReady(record, now);
        NotifyWaiters(record.State.InstanceId, record.State);
        return leasedItems;
    }

    private InstanceRecord OwnedInstance(OrchestrationWorkItem workItem)
    {
        if (!_instances.TryGetValue(workItem.InstanceId, out var record) || record.Lease != workItem.Lease)
        {
            throw new WorkItemLockLostException($"orchestration instance '{workItem.InstanceId}'", workItem.Lease.LockedBy);
        }

        return record;
    }

    private ActivityRecord OwnedActivity(ActivityWorkItem workItem)
    {
        if (!_activities.TryGetValue(workItem.TaskId, out var record) || record.Lease != workItem.Lease)
        {
            throw new WorkItemLockLostException(
                $"activity '{workItem.Scheduled.Name}' (task {workItem.TaskId}) of '{workItem.InstanceId}'", workItem.Lease.LockedBy);
        }

        return record;
    }

    private void RejectSubOrchestration(NewInstance child, OrchestrationStatus status, DateTimeOffset now)
    {
        if (child.Started.Parent is not { } parent || !_instances.TryGetValue(parent.InstanceId, out var parentRecord))
        {
            return;
        }

        var failure = new FailureDetails(
            typeof(InstanceAlreadyExistsException).FullName!,
            new InstanceAlreadyExistsException(child.InstanceId, status).Message)
        { IsNonRetriable = true };
        Enqueue(parentRecord, new InstanceMessage
        {
            InstanceId = parent.InstanceId,
            ExecutionId = parent.ExecutionId,
            Event = new SubOrchestrationFailedEvent { TaskScheduledId = parent.TaskScheduledId, Failure = failure, Timestamp = now },
        }, now);
    }
}
