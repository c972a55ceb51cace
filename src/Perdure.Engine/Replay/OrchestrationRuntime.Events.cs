using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Replay;

internal sealed partial class OrchestrationRuntime
{
    /// <summary>Applies one event (recorded or new) and runs the orchestrator until it waits again.</summary>
    private void Apply(HistoryEvent e)
    {
        switch (e)
        {
            case OrchestratorStartedEvent:
                if (IsReplaying)
                {
                    EnsureAllRecorded(atEndOfHistory: false);
                }

                CurrentUtcDateTime = e.Timestamp.UtcDateTime;
                break;
            case ExecutionStartedEvent started:
                Start(started);
                break;
            case TaskScheduledEvent or TimerCreatedEvent or SubOrchestrationCreatedEvent or EventSentEvent
                or EntityOperationCalledEvent or EntityOperationSignaledEvent or EntityLockRequestedEvent or EntityUnlockSentEvent:
                MatchRecorded(e);
                break;
            case TaskCompletedEvent completed:
                Complete(completed.TaskScheduledId, completed.Result);
                break;
            case TaskFailedEvent failed:
                Fail(failed.TaskScheduledId, failed.Failure);
                break;
            case SubOrchestrationCompletedEvent completed:
                _openSubOrchestrations.Remove(completed.TaskScheduledId);
                Complete(completed.TaskScheduledId, completed.Result);
                break;
            case SubOrchestrationFailedEvent failed:
                _openSubOrchestrations.Remove(failed.TaskScheduledId);
                Fail(failed.TaskScheduledId, failed.Failure);
                break;
            case TimerFiredEvent fired:
                Complete(fired.TimerId, null);
                break;
            case EventRaisedEvent raised:
                Deliver(raised);
                break;
            case EntityOperationCompletedEvent completed:
                CompleteEntityCall(completed.TaskScheduledId, completed.Result);
                break;
            case EntityOperationFailedEvent failed:
                FailEntityCall(failed.TaskScheduledId, failed.Failure);
                break;
            case EntityLockGrantedEvent granted:
                GrantLocks(granted);
                break;
            case ExecutionSuspendedEvent:
                IsSuspended = true;
                break;
            case ExecutionResumedEvent:
                IsSuspended = false;
                break;
            case ExecutionTerminatedEvent terminated:
                Terminate(terminated);
                break;
            case ExecutionCompletedEvent:
                break;
        }

        _scheduler.Drain();
        CheckOutcome();
    }

    private void Start(ExecutionStartedEvent started)
    {
        _started = started;
        object? input;
        try
        {
            input = started.Input is null ? null : Converter.Deserialize(started.Input, _orchestrator.InputType);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Outcome = new ExecutionOutcome(OrchestrationStatus.Failed, null, new FailureDetails(
                ex.GetType().FullName!,
                $"The input of orchestration '{started.Name}' (instance '{InstanceId}') could not be read as " +
                $"{_orchestrator.InputType?.Name ?? "object"}: {ex.Message}",
                ex.StackTrace) { IsNonRetriable = true });
            return;
        }

        _orchestratorTask = Task.Factory.StartNew(
            () => _orchestrator.RunAsync(Context, input),
            CancellationToken.None,
            TaskCreationOptions.None,
            _scheduler).Unwrap();
    }

    private void CheckOutcome()
    {
        if (Outcome is not null)
        {
            return;
        }

        if (_pendingContinueAsNew is { } next)
        {
            Outcome = new ExecutionOutcome(OrchestrationStatus.ContinuedAsNew, next.Input, null) { ContinueAsNew = next };
            return;
        }

        if (_orchestratorTask is not { IsCompleted: true } task)
        {
            return;
        }

        if (task.IsCompletedSuccessfully)
        {
            string? output;
            try
            {
                output = task.Result is null ? null : Converter.Serialize(task.Result);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                FailWith(ex);
                return;
            }

            Outcome = new ExecutionOutcome(OrchestrationStatus.Completed, output, null);
        }
        else
        {
            FailWith(task.Exception?.InnerException ?? new TaskCanceledException(task));
        }
    }

    private void Terminate(ExecutionTerminatedEvent terminated)
    {
        Outcome = new ExecutionOutcome(OrchestrationStatus.Terminated, terminated.Output, null);
        if (terminated.Recursive && _step is { } step)
        {
            foreach (var child in _openSubOrchestrations.Values)
            {
                step.ExtraMessages.Add(new InstanceMessage
                {
                    InstanceId = child,
                    Event = new ExecutionTerminatedEvent { Output = terminated.Output, Recursive = true, Timestamp = terminated.Timestamp },
                });
            }
        }
    }

    private void MatchRecorded(HistoryEvent recorded)
    {
        var id = recorded switch
        {
            TaskScheduledEvent e => e.EventId,
            TimerCreatedEvent e => e.EventId,
            SubOrchestrationCreatedEvent e => e.EventId,
            EventSentEvent e => e.EventId,
            EntityOperationCalledEvent e => e.EventId,
            EntityOperationSignaledEvent e => e.EventId,
            EntityLockRequestedEvent e => e.EventId,
            EntityUnlockSentEvent e => e.EventId,
            _ => throw new InvalidOperationException($"{recorded.EventType} is not a scheduling event."),
        };
        var index = _unrecorded.FindIndex(a => a.Id == id);
        if (index < 0)
        {
            throw new NonDeterministicOrchestrationException(
                $"Orchestrator '{_started?.Name}' (instance '{InstanceId}') is not deterministic: history has " +
                $"{Describe(recorded)} at task id {id}, but the code did not ask for it on replay" +
                (_unrecorded.Count > 0 ? $" (it now asks for {_unrecorded[0].Describe()})" : string.Empty) +
                ". The orchestrator code changed while this instance was running, or it branches on something that is " +
                "not replay-safe. Deploy changed orchestrators under a new name or version.");
        }

        var action = _unrecorded[index];
        if (!action.Matches(recorded))
        {
            throw new NonDeterministicOrchestrationException(
                $"Orchestrator '{_started?.Name}' (instance '{InstanceId}') is not deterministic: history has " +
                $"{Describe(recorded)} at task id {id}; the code now asks for {action.Describe()}. The orchestrator " +
                "code changed while this instance was running. Deploy changed orchestrators under a new name or version, " +
                "or let running instances finish first.");
        }

        _unrecorded.RemoveAt(index);
    }

    private static string Describe(HistoryEvent recorded) => recorded switch
    {
        TaskScheduledEvent e => $"TaskScheduled '{e.Name}'",
        TimerCreatedEvent e => $"TimerCreated (fires {e.FireAt:O})",
        SubOrchestrationCreatedEvent e => $"SubOrchestrationCreated '{e.Name}'",
        EventSentEvent e => $"EventSent '{e.Name}' to '{e.InstanceId}'",
        EntityOperationCalledEvent e => CallEntityAction.Describe(e.EventType, e.Operation, e.EntityId),
        EntityOperationSignaledEvent e => CallEntityAction.Describe(e.EventType, e.Operation, e.EntityId),
        EntityLockRequestedEvent e => LockEntitiesAction.DescribeRequest(e.LockSet),
        EntityUnlockSentEvent e => $"{e.EventType} (lock request {e.LockRequestId})",
        _ => recorded.EventType.ToString(),
    };

    private void Complete(int taskId, string? result)
    {
        if (_pending.Remove(taskId, out var pending))
        {
            pending.Source.TrySetResult(result);
        }
    }

    private void Fail(int taskId, FailureDetails failure)
    {
        if (_pending.Remove(taskId, out var pending))
        {
            var exception = new TaskFailedException(pending.Name, taskId, Failures.ToSdk(failure));
            if (failure.IsNonRetriable)
            {
                exception.Data[Failures.NonRetriableKey] = true;
            }

            pending.Source.TrySetException(exception);
        }
    }

    private void Deliver(EventRaisedEvent raised)
    {
        if (_eventWaiters.TryGetValue(raised.Name, out var waiters))
        {
            var waiter = waiters.First!.Value;
            waiters.RemoveFirst();
            if (waiters.Count == 0)
            {
                _eventWaiters.Remove(raised.Name);
            }

            waiter.Source.TrySetResult(raised.Input);
            return;
        }

        _bufferedEvents.Add(raised);
    }

    /// <summary>Buffered events not consumed by a wait; carried into the next execution on continue-as-new.</summary>
    public IReadOnlyList<EventRaisedEvent> BufferedEvents => _bufferedEvents;

    // ---- primitives used by PerdureOrchestrationContext ----

    internal Task<string?> ScheduleActivity(string name, string? version, string? input, IReadOnlyDictionary<string, string>? tags)
    {
        var id = NextTaskId();
        _unrecorded.Add(new ScheduleActivityAction(id, name, version, input, tags));
        return Track(id, name);
    }

    internal Task<string?> StartSubOrchestration(string name, string? version, string instanceId, string? input, IReadOnlyDictionary<string, string>? tags)
    {
        EnsureNoCriticalSectionForSubOrchestration();
        var id = NextTaskId();
        _unrecorded.Add(new StartSubOrchestrationAction(id, name, version, instanceId, input, tags));
        _openSubOrchestrations[id] = instanceId;
        return Track(id, name);
    }

    internal Task CreateTimer(DateTimeOffset fireAt, CancellationToken cancellationToken)
    {
        var id = NextTaskId();
        _unrecorded.Add(new CreateTimerAction(id, fireAt));
        var task = Track(id, "timer");
        if (cancellationToken.CanBeCanceled)
        {
            var pending = _pending[id];
            cancellationToken.Register(() =>
            {
                // Cancellation is only deterministic when it happens on the orchestration's own thread.
                if (_scheduler.IsOnStepThread && _pending.Remove(id))
                {
                    pending.Source.TrySetCanceled(cancellationToken);
                }
            });
        }

        return task;
    }

    internal void SendEvent(string instanceId, string name, string? input)
    {
        _unrecorded.Add(new SendEventAction(NextTaskId(), instanceId, name, input));
    }

    internal Task<string?> WaitForEvent(string name, CancellationToken cancellationToken)
    {
        var index = _bufferedEvents.FindIndex(e => string.Equals(e.Name, name, StringComparison.OrdinalIgnoreCase));
        if (index >= 0)
        {
            var buffered = _bufferedEvents[index];
            _bufferedEvents.RemoveAt(index);
            return Task.FromResult(buffered.Input);
        }

        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<string?>(cancellationToken);
        }

        var waiter = new PendingTask(-1, name, new TaskCompletionSource<string?>());
        if (!_eventWaiters.TryGetValue(name, out var waiters))
        {
            _eventWaiters[name] = waiters = new LinkedList<PendingTask>();
        }

        var node = waiters.AddLast(waiter);
        if (cancellationToken.CanBeCanceled)
        {
            cancellationToken.Register(() =>
            {
                if (_scheduler.IsOnStepThread && node.List is { } list)
                {
                    list.Remove(node);
                    if (list.Count == 0)
                    {
                        _eventWaiters.Remove(name);
                    }

                    waiter.Source.TrySetCanceled(cancellationToken);
                }
            });
        }

        return waiter.Source.Task;
    }

    private Task<string?> Track(int id, string name)
    {
        var pending = new PendingTask(id, name, new TaskCompletionSource<string?>());
        _pending[id] = pending;
        return pending.Source.Task;
    }
}
