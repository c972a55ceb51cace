using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Dispatch;

/// <summary>
/// Runs orchestration steps: claim an instance, bring its runtime up to date (from the sticky cache or by replaying
/// history), feed it the new messages, and commit the checkpoint in one store call.
/// </summary>
internal sealed class OrchestrationDispatcher : IDisposable
{
    private readonly StepWatchdog _watchdog;
    private readonly DispatchContext _context;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _deadlocks = new(StringComparer.Ordinal);

    public OrchestrationDispatcher(DispatchContext context)
    {
        _context = context;
        _logger = context.LoggerFactory.CreateLogger("Perdure.Engine.Orchestrations");
        Cache = new OrchestrationCache(context.Options.CacheCapacity);
        _watchdog = new StepWatchdog(context.Options.DeadlockTimeout);
    }

    public void Dispose()
    {
        _watchdog.Dispose();
        Cache.Clear();
    }

    public OrchestrationCache Cache { get; }

    /// <summary>
    /// The worker's activity loop: a step's activity calls are leased to this worker as the step commits, as many as the
    /// loop has free slots, and run here at once (where the orchestration is cached, so their results commit with its next
    /// step) instead of waiting in the queue for a claim by any worker. Null: every call goes to the queue.
    /// </summary>
    public WorkItemLoop<ActivityWorkItem>? ActivityLoop { get; set; }

    public Task<IReadOnlyList<OrchestrationWorkItem>> ClaimAsync(int maxCount, CancellationToken cancellationToken) =>
        _context.Store.ClaimOrchestrationsAsync(_context.WorkerId, _context.Options.LeaseDuration, maxCount, cancellationToken);

    public async Task ProcessAsync(OrchestrationWorkItem workItem)
    {
        var instance = workItem.Instance;
        CachedOrchestration? entry = null;
        try
        {
            if (instance.Status.IsTerminal())
            {
                Log.MessagesDropped(_logger, workItem.Messages.Count, instance.InstanceId, instance.Status.ToString());
                await CommitAsync(workItem, CheckpointBuilder.DropMessages(workItem, _context.Time.GetUtcNow()), null).ConfigureAwait(false);
                return;
            }

            entry = Cache.TryTake(instance.InstanceId, instance.ExecutionId, workItem.HistoryLength);
            IReadOnlyList<HistoryEvent>? history = null;
            if (entry is null)
            {
                history = workItem.HistoryLength == 0
                    ? []
                    : workItem.History ?? await _context.Store.GetHistoryAsync(instance.InstanceId, CancellationToken.None).ConfigureAwait(false);
                entry = CreateRuntime(instance);
            }

            var now = _context.Time.GetUtcNow();
            var runtime = entry.Runtime;
            var step = await RunStepAsync(runtime, history, workItem.Messages, now).ConfigureAwait(false);
            if (step is null)
            {
                // Stuck step: the thread may still be inside user code, so the runtime is abandoned, never reused
                // (nor disposed: its scope may still be in use).
                entry = null;
                await HandleDeadlockAsync(workItem).ConfigureAwait(false);
                return;
            }

            if (step.NotStarted)
            {
                var retryAfter = instance.ScheduledStartAt is { } startAt && startAt > now ? startAt - now : TimeSpan.FromMilliseconds(100);
                await AbandonAsync(workItem, retryAfter).ConfigureAwait(false);
                return;
            }

            if (runtime.Outcome is { Status: OrchestrationStatus.Failed, Failure: { } failure } && runtime.IsPoisoned)
            {
                Log.OrchestrationFailedByEngine(_logger, instance.InstanceId, failure.ErrorMessage);
            }

            var checkpoint = CheckpointBuilder.Build(instance, runtime, step, now);
            var keep = runtime.Outcome is null && !runtime.IsPoisoned;
            if (await CommitAsync(workItem, checkpoint, keep ? entry : null).ConfigureAwait(false))
            {
                _failures.TryRemove(instance.InstanceId, out _);
                _deadlocks.TryRemove(instance.InstanceId, out _);
                if (keep)
                {
                    entry = null; // now owned by the cache
                }
            }
        }
        catch (Exception ex)
        {
            var retryAfter = NextBackoff(instance.InstanceId);
            Log.OrchestrationStepError(_logger, ex, instance.InstanceId, retryAfter);
            await AbandonAsync(workItem, retryAfter).ConfigureAwait(false);
        }
        finally
        {
            entry?.Dispose();
        }
    }

    /// <summary>
    /// Completes an activity together with the next step of its orchestration, run here on the cached runtime with the
    /// result as its only new message, in one store call. The store commits the step only if the instance is still as the
    /// runtime last left it; otherwise it delivers the result to the inbox as usual and the runtime is dropped.
    /// </summary>
    /// <remarks>
    /// With <paramref name="handOver"/>, the step's first activity call takes over the caller's activity slot: the caller
    /// runs it next, without a claim, and further calls take free slots (see <see cref="ActivityLoop"/>) and start at once.
    /// Without it, every call goes to the queue.
    /// </remarks>
    /// <returns>Whether the activity was completed: false if nothing was written because no usable runtime is cached (or
    /// the step got stuck), and the caller completes the activity the usual way. And the activity the caller runs next in
    /// its slot, if the step leased one to it.</returns>
    /// <exception cref="WorkItemLockLostException">The activity's lease was lost; nothing was written.</exception>
    public async Task<(bool Completed, ActivityWorkItem? Next)> TryCompleteWithLocalStepAsync(ActivityWorkItem workItem, HistoryEvent result, bool handOver)
    {
        var entry = Cache.TryTakeRunning(workItem.InstanceId, workItem.ExecutionId);
        if (entry?.Instance is not { } before)
        {
            return (false, null);
        }

        try
        {
            var runtime = entry.Runtime;
            var historyLength = runtime.HistoryLength;
            var now = _context.Time.GetUtcNow();
            var message = new InstanceMessage { InstanceId = workItem.InstanceId, ExecutionId = workItem.ExecutionId, Event = result };
            var step = await RunStepAsync(runtime, null, [message], now).ConfigureAwait(false);
            if (step is null)
            {
                // Stuck: the thread may still be inside user code, so the runtime is abandoned, never reused (nor
                // disposed). The result goes through the inbox, and the claimed step meets the block again and handles it.
                entry = null;
                return (false, null);
            }

            // The result is consumed by the step itself; it never had a stored message id.
            step.ConsumedMessageIds.Clear();
            var checkpoint = CheckpointBuilder.Build(before, runtime, step, now);
            var loop = ActivityLoop;
            var calls = checkpoint.ActivityTasks.Count;
            var ownSlot = handOver && calls > 0 && loop is { Stopped: false } ? 1 : 0;
            var reserved = ownSlot == 1 ? loop!.TryReserve(calls - 1) : 0;
            var outcome = LocalStepResult.NotCommitted;
            try
            {
                outcome = await _context.Store.CompleteActivityWithStepAsync(
                    workItem, result, new LocalStep(before, historyLength, WithLeases(checkpoint, ownSlot + reserved)), CancellationToken.None).ConfigureAwait(false);
                if (outcome.Committed && runtime.Outcome is null && !runtime.IsPoisoned)
                {
                    entry.Instance = checkpoint.Instance;
                    Cache.Put(workItem.InstanceId, entry);
                    entry = null;
                }
            }
            finally
            {
                // Only now, as in CommitAsync: the first leased call is the caller's to run, the others take the reserved slots.
                loop?.StartReserved(reserved, outcome.LeasedActivities.Count > 1 ? outcome.LeasedActivities.Skip(1).ToArray() : []);
            }

            if (outcome.Committed)
            {
                _failures.TryRemove(workItem.InstanceId, out _);
            }

            return (true, outcome.LeasedActivities.Count > 0 ? outcome.LeasedActivities[0] : null);
        }
        finally
        {
            entry?.Dispose();
        }
    }

    /// <summary>The checkpoint asking its store to lease its first <paramref name="count"/> activity calls to this worker.</summary>
    private OrchestrationCheckpoint WithLeases(OrchestrationCheckpoint checkpoint, int count) =>
        count == 0 ? checkpoint : checkpoint with { LeaseActivities = new ActivityLeaseRequest(count, _context.Options.LeaseDuration) };

    /// <summary>A stuck step is retried with back-off a few times (the block may be transient), then fails the instance.</summary>
    private async Task HandleDeadlockAsync(OrchestrationWorkItem workItem)
    {
        var instanceId = workItem.InstanceId;
        var attempts = _deadlocks.AddOrUpdate(instanceId, 1, (_, n) => n + 1);
        if (attempts < _context.Options.MaxDeadlockedAttempts)
        {
            var retryAfter = NextBackoff(instanceId);
            Log.OrchestrationStepDeadlocked(_logger, instanceId, _context.Options.DeadlockTimeout, retryAfter);
            await AbandonAsync(workItem, retryAfter).ConfigureAwait(false);
            return;
        }

        _deadlocks.TryRemove(instanceId, out _);
        _failures.TryRemove(instanceId, out _);
        var exception = new OrchestratorMisuseException(
            $"Orchestrator '{workItem.Instance.Name}' (instance '{instanceId}') blocked its thread for longer than " +
            $"{_context.Options.DeadlockTimeout.TotalSeconds:0.###} s in {attempts} attempts (Thread.Sleep, .Result or .Wait() on a " +
            "task, a lock, or synchronous I/O?). Orchestrator code must not block: await the context's tasks, use " +
            "context.CreateTimer to wait, and move blocking work into an activity.");
        var failure = Failures.FromException(exception);
        Log.OrchestrationFailedByEngine(_logger, instanceId, failure.ErrorMessage);
        // The stuck runtime cannot be asked which locks it holds: the stored history says (see LockLedger).
        var history = workItem.HistoryLength == 0
            ? []
            : await _context.Store.GetHistoryAsync(instanceId, CancellationToken.None).ConfigureAwait(false);
        await CommitAsync(workItem, CheckpointBuilder.FailInstance(workItem, history, failure, _context.Time.GetUtcNow()), null).ConfigureAwait(false);
    }

    private CachedOrchestration CreateRuntime(InstanceState instance)
    {
        var scope = _context.ScopeFactory.CreateAsyncScope();
        try
        {
            ITaskOrchestrator orchestrator;
            try
            {
                orchestrator = _context.Factory.TryCreateOrchestrator(new TaskName(instance.Name), scope.ServiceProvider, out var created)
                    ? created
                    : new UnavailableOrchestrator(new InvalidOperationException(
                        $"No orchestrator named '{instance.Name}' is registered with this worker. Register it with " +
                        $"AddTasks(r => r.AddOrchestrator<...>()) (or AddOrchestratorFunc(\"{instance.Name}\", ...)) on the worker builder."));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A constructor or a dependency that throws fails the instance with that error (a parent hears of it),
                // instead of retrying a step that cannot succeed.
                orchestrator = new UnavailableOrchestrator(ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex);
            }

            var runtime = new OrchestrationRuntime(instance.InstanceId, orchestrator, _context.Options.DataConverter, _context.LoggerFactory);
            return new CachedOrchestration(runtime, scope);
        }
        catch
        {
            scope.Dispose();
            throw;
        }
    }

    /// <summary>Runs replay and the step on a thread of their own, bounded by the deadlock timeout; null if it timed out.</summary>
    private Task<StepOutput?> RunStepAsync(
        OrchestrationRuntime runtime, IReadOnlyList<HistoryEvent>? history, IReadOnlyList<InstanceMessage> messages, DateTimeOffset now) =>
        _watchdog.RunAsync(runtime, history, messages, now);

    /// <summary>Replays <paramref name="history"/> (if any) into <paramref name="runtime"/>, then runs the step.</summary>
    internal static StepOutput ReplayAndRunStep(
        OrchestrationRuntime runtime, IReadOnlyList<HistoryEvent>? history, IReadOnlyList<InstanceMessage> messages, DateTimeOffset now)
    {
        if (history is not null)
        {
            try
            {
                runtime.Replay(history);
            }
            catch (Exception ex) when (ex is NonDeterministicOrchestrationException or OrchestratorMisuseException)
            {
                runtime.FailWith(ex);
            }
        }

        return runtime.RunStep(now, messages);
    }

    /// <summary>
    /// Commits; on success keeps <paramref name="entry"/> in the cache and starts the activity calls leased to this worker
    /// (see <see cref="ActivityLoop"/>). Returns false if the lease was lost.
    /// </summary>
    /// <remarks>
    /// A commit that fails after the store committed (a lost connection during COMMIT) starts nothing: the leased calls
    /// wait until their lease runs out and are then claimed like those of a worker that died.
    /// </remarks>
    private async Task<bool> CommitAsync(OrchestrationWorkItem workItem, OrchestrationCheckpoint checkpoint, CachedOrchestration? entry)
    {
        var loop = ActivityLoop;
        var reserved = loop?.TryReserve(checkpoint.ActivityTasks.Count) ?? 0;
        IReadOnlyList<ActivityWorkItem> leased = [];
        try
        {
            try
            {
                leased = await _context.Store.CompleteOrchestrationAsync(workItem, WithLeases(checkpoint, reserved), CancellationToken.None).ConfigureAwait(false);
            }
            catch (WorkItemLockLostException)
            {
                Log.OrchestrationLeaseLost(_logger, workItem.InstanceId);
                return false;
            }

            if (entry is not null)
            {
                entry.Instance = checkpoint.Instance;
                Cache.Put(workItem.InstanceId, entry);
            }

            return true;
        }
        finally
        {
            // Only now: an activity that finishes at once must find the runtime cached to commit the next step with it.
            loop?.StartReserved(reserved, leased);
        }
    }

    private async Task AbandonAsync(OrchestrationWorkItem workItem, TimeSpan retryAfter)
    {
        try
        {
            await _context.Store.AbandonOrchestrationAsync(workItem, retryAfter, CancellationToken.None).ConfigureAwait(false);
        }
        catch (WorkItemLockLostException)
        {
            Log.OrchestrationLeaseLost(_logger, workItem.InstanceId);
        }
        catch (Exception ex)
        {
            // The lease runs out on its own; the item comes back then.
            Log.OrchestrationStepError(_logger, ex, workItem.InstanceId, _context.Options.LeaseDuration);
        }
    }

    private TimeSpan NextBackoff(string instanceId) =>
        Backoff.After(_failures.AddOrUpdate(instanceId, 1, (_, n) => n + 1), _context.Options.MaxRetryBackoff);

    /// <summary>Stands in for an orchestrator that could not be created, failing the instance with the reason.</summary>
    private sealed class UnavailableOrchestrator(Exception error) : ITaskOrchestrator
    {
        public Type InputType => typeof(object);

        public Type OutputType => typeof(object);

        public Task<object?> RunAsync(TaskOrchestrationContext context, object? input) => Task.FromException<object?>(error);
    }
}
