using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Replay;

/// <summary>
/// The live state of one execution of one orchestration: the orchestrator's suspended code, its open tasks, buffered
/// events and the actions it asked for. Events are applied one at a time, and after each one the scheduler is drained,
/// so replaying a history reproduces exactly the states the original run went through.
/// </summary>
/// <remarks>
/// An instance of this class is what the sticky cache keeps between steps: the next step only feeds it the new events.
/// It is not thread-safe; the dispatcher runs one step at a time on it.
/// </remarks>
internal sealed partial class OrchestrationRuntime
{
    private readonly ITaskOrchestrator _orchestrator;
    private readonly OrchestrationScheduler _scheduler = new();
    private readonly Dictionary<int, PendingTask> _pending = [];
    private readonly List<OrchestrationAction> _unrecorded = [];
    private readonly Dictionary<string, LinkedList<PendingTask>> _eventWaiters = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<EventRaisedEvent> _bufferedEvents = [];
    private readonly Dictionary<int, string> _openSubOrchestrations = [];
    private Task<object?>? _orchestratorTask;
    private ExecutionStartedEvent? _started;
    private int _nextTaskId;
    private int _guidCounter;
    private StepOutput? _step;
    private ContinueAsNewRequest? _pendingContinueAsNew;

    public OrchestrationRuntime(string instanceId, ITaskOrchestrator orchestrator, DataConverter converter, Microsoft.Extensions.Logging.ILoggerFactory loggerFactory)
    {
        InstanceId = instanceId;
        _orchestrator = orchestrator;
        Converter = converter;
        Context = new PerdureOrchestrationContext(this, loggerFactory);
    }

    public string InstanceId { get; }

    public string ExecutionId => _started?.ExecutionId ?? string.Empty;

    public ExecutionStartedEvent? Started => _started;

    public DataConverter Converter { get; }

    public PerdureOrchestrationContext Context { get; }

    /// <summary>How many history events this runtime has applied; equals the stored history length when in sync.</summary>
    public int HistoryLength { get; private set; }

    public bool IsReplaying { get; private set; }

    public DateTime CurrentUtcDateTime { get; private set; }

    public bool IsSuspended { get; private set; }

    public string? CustomStatus { get; private set; }

    /// <summary>Set once the execution has ended (completed, failed, terminated, continued as new).</summary>
    public ExecutionOutcome? Outcome { get; private set; }

    /// <summary>Set when the runtime can no longer be trusted (misuse, nondeterminism); it must not be cached.</summary>
    public bool IsPoisoned { get; private set; }

    /// <summary>Replays committed history. Throws <see cref="NonDeterministicOrchestrationException"/> on a mismatch.</summary>
    public void Replay(IReadOnlyList<HistoryEvent> history)
    {
        using var noContext = new NoSynchronizationContext();
        _scheduler.BeginStep();
        try
        {
            // The ledger of lock requests sees all of history, even if replay fails part-way: the engine's releases at
            // the end of the execution are decided from what was recorded, not from how far the code got.
            foreach (var recorded in history)
            {
                _lockLedger.Note(recorded);
            }

            IsReplaying = true;
            foreach (var recorded in history)
            {
                Apply(recorded);
                HistoryLength++;
            }

            EnsureAllRecorded(atEndOfHistory: true);
        }
        catch
        {
            // Actions asked for during a failed replay must never be scheduled.
            IsPoisoned = true;
            _unrecorded.Clear();
            throw;
        }
        finally
        {
            IsReplaying = false;
            _scheduler.EndStep();
        }
    }

    /// <summary>
    /// Runs one step: applies the visible messages in order and returns the history delta, the new actions and the
    /// messages consumed. Misuse and nondeterminism surface as an <see cref="Outcome"/> of Failed.
    /// </summary>
    public StepOutput RunStep(DateTimeOffset now, IReadOnlyList<InstanceMessage> messages)
    {
        using var noContext = new NoSynchronizationContext();
        var step = _step = new StepOutput();
        _scheduler.BeginStep();
        try
        {
            IsReplaying = false;
            ApplyNew(new OrchestratorStartedEvent { Timestamp = now });
            var ordered = Order(messages);
            for (var i = 0; i < ordered.Count; i++)
            {
                var message = ordered[i];
                if (!Admit(message, step))
                {
                    continue;
                }

                step.ConsumedMessageIds.Add(message.MessageId);
                ApplyNew(message.Event);
            }

            if (_started is null && Outcome is null)
            {
                step.NotStarted = true;
                return step;
            }

            if (Outcome is null)
            {
                DetectStuckOrchestrator();
            }

            if (Outcome?.Status == OrchestrationStatus.Terminated)
            {
                // Nothing the code asked for in a terminated step is recorded or dispatched.
                _unrecorded.Clear();
            }

            step.NewActions.AddRange(_unrecorded);
            foreach (var action in _unrecorded)
            {
                step.NewEvents.Add(action.ToHistoryEvent(now));
            }

            _unrecorded.Clear();
            foreach (var e in step.NewEvents)
            {
                _lockLedger.Note(e);
            }

            if (Outcome is not null)
            {
                AppendReleasesAtEnd(step, now);
            }

            // A termination is already recorded by the ExecutionTerminated event that caused it.
            if (Outcome is { } outcome && outcome.Status != OrchestrationStatus.Terminated)
            {
                step.NewEvents.Add(new ExecutionCompletedEvent
                {
                    Status = outcome.Status, Result = outcome.Output, Failure = outcome.Failure, Timestamp = now,
                });
            }

            HistoryLength += step.NewEvents.Count;
            return step;
        }
        catch (Exception ex) when (ex is NonDeterministicOrchestrationException or OrchestratorMisuseException)
        {
            IsPoisoned = true;
            FailWith(ex);
            _unrecorded.Clear();
            step.NewActions.Clear();
            foreach (var e in step.NewEvents)
            {
                _lockLedger.Note(e);
            }

            AppendReleasesAtEnd(step, now);
            step.NewEvents.Add(new ExecutionCompletedEvent
            {
                Status = OrchestrationStatus.Failed, Failure = Outcome!.Failure, Timestamp = now,
            });
            HistoryLength += step.NewEvents.Count;
            return step;
        }
        finally
        {
            _scheduler.EndStep();
            _step = null;
        }
    }

    /// <summary>Decides whether a message is applied in this step; stale ones are consumed and dropped here.</summary>
    private bool Admit(InstanceMessage message, StepOutput step)
    {
        if (Outcome is not null)
        {
            // The execution ended earlier in this batch. Events wait for the next execution after continue-as-new;
            // everything else has nobody to go to.
            if (Outcome.ContinueAsNew is null)
            {
                step.ConsumedMessageIds.Add(message.MessageId);
                AnswerLateGrant(message, ExecutionId, step);
            }

            return false;
        }

        if (message.ExecutionId is { } target && _started is not null && target != _started.ExecutionId)
        {
            step.ConsumedMessageIds.Add(message.MessageId);
            AnswerLateGrant(message, target, step);
            return false;
        }

        if (message.Event is ExecutionStartedEvent && _started is not null)
        {
            step.ConsumedMessageIds.Add(message.MessageId);
            return false;
        }

        if (_started is null && message.Event is not (ExecutionStartedEvent or ExecutionTerminatedEvent))
        {
            return false;
        }

        // While suspended only resume and terminate apply; a repeated suspend is applied too (a no-op), so that it
        // cannot linger in the inbox and suspend the instance again after the resume.
        return !IsSuspended || message.Event is ExecutionResumedEvent or ExecutionTerminatedEvent or ExecutionSuspendedEvent;
    }

    /// <summary>
    /// A terminate request goes first: the orchestrator does not run again, and everything else is dropped. Otherwise,
    /// in an execution's first step the start message goes first, then the events carried over from the previous
    /// execution by continue-as-new (addressed to this execution; they arrived before anything else), then the rest.
    /// </summary>
    /// <remarks>
    /// Decided before any message is applied. Most steps of a started execution bring one message and no terminate: the
    /// list itself is the order, and nothing is allocated.
    /// </remarks>
    private IReadOnlyList<InstanceMessage> Order(IReadOnlyList<InstanceMessage> messages)
    {
        var terminate = -1;
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Event is ExecutionTerminatedEvent)
            {
                terminate = i;
                break;
            }
        }

        if (terminate < 0 && (_started is not null || messages.Count <= 1))
        {
            return messages;
        }

        var ordered = new List<InstanceMessage>(messages.Count);
        if (terminate >= 0)
        {
            var m = messages[terminate];
            ordered.Add(m);
            foreach (var other in messages)
            {
                if (!ReferenceEquals(other, m))
                {
                    ordered.Add(other);
                }
            }

            return ordered;
        }

        string? executionId = null;
        foreach (var m in messages)
        {
            if (m.Event is ExecutionStartedEvent started)
            {
                executionId ??= started.ExecutionId;
                ordered.Add(m);
            }
        }

        foreach (var m in messages)
        {
            if (m.Event is not ExecutionStartedEvent && executionId is not null && m.ExecutionId == executionId)
            {
                ordered.Add(m);
            }
        }

        foreach (var m in messages)
        {
            if (m.Event is not ExecutionStartedEvent && (executionId is null || m.ExecutionId != executionId))
            {
                ordered.Add(m);
            }
        }

        return ordered;
    }

    private void ApplyNew(HistoryEvent e)
    {
        _step!.NewEvents.Add(e);
        Apply(e);
    }

    private void DetectStuckOrchestrator()
    {
        if (_scheduler.SawForeignContinuation)
        {
            throw new OrchestratorMisuseException(
                $"Orchestrator '{_started?.Name}' (instance '{InstanceId}') awaited a task that did not come from " +
                "TaskOrchestrationContext (was it Task.Delay, Task.Run or real I/O?). Orchestrator code must only await " +
                "the context's tasks: use context.CreateTimer instead of Task.Delay and move I/O into an activity.");
        }

        if (_orchestratorTask is { IsCompleted: false } && _pending.Count == 0 && _eventWaiters.Count == 0)
        {
            throw new OrchestratorMisuseException(
                $"Orchestrator '{_started?.Name}' (instance '{InstanceId}') is waiting, but not for anything durable: no " +
                "activity, timer, sub-orchestration or external event is outstanding. It awaited a task that did not come " +
                "from TaskOrchestrationContext (Task.Delay, Task.Run, a TaskCompletionSource or real I/O). Use " +
                "context.CreateTimer instead of Task.Delay and move I/O into an activity.");
        }
    }

    private void EnsureAllRecorded(bool atEndOfHistory)
    {
        if (_unrecorded.Count == 0)
        {
            return;
        }

        var action = _unrecorded[0];
        throw new NonDeterministicOrchestrationException(
            $"Orchestrator '{_started?.Name}' (instance '{InstanceId}') is not deterministic: the code now asks for " +
            $"{action.Describe()} (task id {action.Id}), but history has no such step" +
            (atEndOfHistory ? " at its end" : " where the code asked for it") +
            ". The orchestrator code changed while this instance was running, or it branches on something that is not " +
            "replay-safe (DateTime.Now, Guid.NewGuid, random numbers, environment). Use context.CurrentUtcDateTime and " +
            "context.NewGuid, and deploy changed orchestrators under a new name or version.");
    }

    internal void FailWith(Exception exception)
    {
        Outcome = new ExecutionOutcome(OrchestrationStatus.Failed, null, Failures.FromException(exception));
    }

    internal int NextTaskId() => _nextTaskId++;

    internal int NextGuidCounter() => _guidCounter++;

    internal void SetCustomStatus(string? serialized) => CustomStatus = serialized;

    internal void RequestContinueAsNew(ContinueAsNewRequest request) => _pendingContinueAsNew = request;

    /// <summary>Throws unless called from orchestrator code running inside a step.</summary>
    internal void EnsureOnOrchestratorThread()
    {
        if (!_scheduler.IsOnStepThread)
        {
            throw new InvalidOperationException(
                $"TaskOrchestrationContext of orchestration '{InstanceId}' was used from another thread. Orchestrator code " +
                "must run on the orchestration's own thread: do not call the context from Task.Run, a timer callback or " +
                "after ConfigureAwait(false) on a non-durable task.");
        }
    }

    /// <summary>
    /// Orchestrator awaits must resume on the orchestration scheduler; a synchronization context on the calling thread
    /// (a UI or test framework's) would capture them instead, so none is in place during a step.
    /// </summary>
    private readonly struct NoSynchronizationContext : IDisposable
    {
        private readonly SynchronizationContext? _previous;

        public NoSynchronizationContext()
        {
            _previous = SynchronizationContext.Current;
            SynchronizationContext.SetSynchronizationContext(null);
        }

        public void Dispose() => SynchronizationContext.SetSynchronizationContext(_previous);
    }

    private sealed class PendingTask(int id, string name, TaskCompletionSource<string?> source)
    {
        public int Id { get; } = id;

        public string Name { get; } = name;

        public TaskCompletionSource<string?> Source { get; } = source;
    }
}
