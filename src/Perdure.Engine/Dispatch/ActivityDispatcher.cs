using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;

namespace Perdure.Engine.Dispatch;

/// <summary>
/// Runs activities: claim a task under a lease (or take one an orchestration step of this worker leased to it as it
/// committed), create the activity in a DI scope of its own, run it outside replay while renewing the lease, and commit its
/// result into the calling orchestration's inbox (or, when this worker caches that orchestration, together with its next
/// step: see <see cref="OrchestrationDispatcher.TryCompleteWithLocalStepAsync"/>). At least once: a worker that dies
/// mid-activity leaves the task to be claimed again when its lease runs out.
/// </summary>
internal sealed class ActivityDispatcher
{
    private readonly DispatchContext _context;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<ActivityWorkItem, InFlight> _inFlight = new(ReferenceEqualityComparer.Instance);
    private readonly Func<ActivityWorkItem, HistoryEvent, bool, Task<(bool Completed, ActivityWorkItem? Next)>> _completeWithLocalStep;

    /// <summary>
    /// How many activities one slot runs in a row (the first plus 99 handed over) before it goes back to the loop, so that
    /// calls waiting in the queue (a fan-out's overflow, another worker's expired leases) get slots while long chains run.
    /// </summary>
    internal const int MaxActivitiesInARow = 100;
    private volatile bool _gaveUp;

    /// <param name="context">What the dispatchers share.</param>
    /// <param name="completeWithLocalStep">Tries to complete an activity together with its orchestration's next step
    /// (see <see cref="OrchestrationDispatcher.TryCompleteWithLocalStepAsync"/>); false when the usual completion must run,
    /// and the activity that step leased to this slot, if any (only when the third argument allows a hand-over).</param>
    public ActivityDispatcher(DispatchContext context, Func<ActivityWorkItem, HistoryEvent, bool, Task<(bool Completed, ActivityWorkItem? Next)>> completeWithLocalStep)
    {
        _context = context;
        _completeWithLocalStep = completeWithLocalStep;
        _logger = context.LoggerFactory.CreateLogger("Perdure.Engine.Activities");
    }

    /// <summary>
    /// Called when the worker stops waiting for activities in flight: they are abandoned so another worker can run them at
    /// once, and their results (if they still come) are dropped.
    /// </summary>
    public async Task AbandonInFlightAsync()
    {
        _gaveUp = true;

        // Full fence: an item registered in flight after this point sees the flag (ProcessOneAsync checks it after
        // registering); one registered before is in the walk below.
        Interlocked.MemoryBarrier();
        foreach (var (workItem, state) in _inFlight)
        {
            await AbandonOnceAsync(workItem, state).ConfigureAwait(false);
        }
    }

    /// <summary>Abandons an item in flight unless its lease was already given up (the gate keeps renewal out meanwhile).</summary>
    private async Task AbandonOnceAsync(ActivityWorkItem workItem, InFlight state)
    {
        await state.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (!state.LeaseLost)
            {
                state.LeaseLost = true;
                await AbandonQuietlyAsync(workItem).ConfigureAwait(false);
            }
        }
        finally
        {
            state.Gate.Release();
        }
    }

    /// <summary>
    /// Renews the leases of every activity in flight, a third of a lease apart, until <paramref name="stop"/> fires.
    /// One loop for all activities: no timer, token source or exception per activity.
    /// </summary>
    public async Task RenewLeasesAsync(CancellationToken stop)
    {
        var interval = _context.Options.LeaseDuration / 3;
        while (!stop.IsCancellationRequested)
        {
            await Task.Delay(interval, _context.Time, stop).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            foreach (var (workItem, state) in _inFlight)
            {
                if (stop.IsCancellationRequested || !state.Gate.Wait(0, CancellationToken.None))
                {
                    continue; // completing right now: no renewal needed
                }

                try
                {
                    if (!state.LeaseLost && _inFlight.ContainsKey(workItem))
                    {
                        await _context.Store.RenewActivityLeaseAsync(workItem, _context.Options.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                catch (WorkItemLockLostException)
                {
                    state.LeaseLost = true;
                }
                catch (Exception ex) when (ex is not OutOfMemoryException)
                {
                    // Retried at the next round; the lease still has two thirds of its time left.
                    Log.ActivityCompleteError(_logger, ex, workItem.Scheduled.Name, workItem.InstanceId, interval);
                }
                finally
                {
                    state.Gate.Release();
                }
            }
        }
    }

    public Task<IReadOnlyList<ActivityWorkItem>> ClaimAsync(int maxCount, CancellationToken cancellationToken) =>
        _context.Store.ClaimActivitiesAsync(_context.WorkerId, _context.Options.LeaseDuration, maxCount, cancellationToken);

    /// <summary>
    /// Runs an activity and completes it. When its completion commits the orchestration's next step and that step leased
    /// its first activity call to this slot, runs that one next, and so on: a sequence of activities stays in one slot, for
    /// at most <see cref="MaxActivitiesInARow"/> activities. An item that comes after the worker gave up waiting for its
    /// activities (see <see cref="AbandonInFlightAsync"/>) is abandoned, not run.
    /// </summary>
    public async Task ProcessAsync(ActivityWorkItem workItem)
    {
        var run = 0;
        for (ActivityWorkItem? next = workItem; next is not null; run++)
        {
            next = await ProcessOneAsync(next, handOver: run + 1 < MaxActivitiesInARow).ConfigureAwait(false);
        }
    }

    private async Task<ActivityWorkItem?> ProcessOneAsync(ActivityWorkItem workItem, bool handOver)
    {
        var state = new InFlight();
        _inFlight[workItem] = state;
        Interlocked.MemoryBarrier(); // pairs with the one in AbandonInFlightAsync
        if (_gaveUp)
        {
            // Came after the worker gave up on its activities (a chain's next item, or one a commit leased late): abandon
            // it, unless the give-up walk already did.
            await AbandonOnceAsync(workItem, state).ConfigureAwait(false);
            _inFlight.TryRemove(workItem, out _);
            return null;
        }

        HistoryEvent result;
        try
        {
            result = await RunAsync(workItem).ConfigureAwait(false);
        }
        finally
        {
            // Wait out a renewal in progress; from here on nobody renews this item.
            await state.Gate.WaitAsync().ConfigureAwait(false);
            _inFlight.TryRemove(workItem, out _);
            state.Gate.Release();
        }

        if (state.LeaseLost)
        {
            if (!_gaveUp)
            {
                Log.ActivityLeaseLost(_logger, workItem.Scheduled.Name, workItem.TaskId, workItem.InstanceId);
            }

            return null;
        }

        try
        {
            var (completed, next) = await _completeWithLocalStep(workItem, result, handOver).ConfigureAwait(false);
            if (!completed)
            {
                await _context.Store.CompleteActivityAsync(workItem, result, CancellationToken.None).ConfigureAwait(false);
            }

            return next;
        }
        catch (WorkItemLockLostException)
        {
            Log.ActivityLeaseLost(_logger, workItem.Scheduled.Name, workItem.TaskId, workItem.InstanceId);
        }
        catch (Exception ex)
        {
            var retryAfter = TimeSpan.FromSeconds(1);
            Log.ActivityCompleteError(_logger, ex, workItem.Scheduled.Name, workItem.InstanceId, retryAfter);
            try
            {
                await _context.Store.AbandonActivityAsync(workItem, retryAfter, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception abandonError) when (abandonError is not OutOfMemoryException)
            {
                // The lease runs out on its own and the task comes back then.
                Log.ActivityCompleteError(_logger, abandonError, workItem.Scheduled.Name, workItem.InstanceId, _context.Options.LeaseDuration);
            }
        }

        return null;
    }

    // A value task: most activities finish synchronously, and then nothing is allocated for the result.
    private async ValueTask<HistoryEvent> RunAsync(ActivityWorkItem workItem)
    {
        var scheduled = workItem.Scheduled;
        var now = _context.Time.GetUtcNow();
        await using var scope = _context.ScopeFactory.CreateAsyncScope();
        ITaskActivity? activity;
        try
        {
            _context.Factory.TryCreateActivity(new TaskName(scheduled.Name), scope.ServiceProvider, out activity);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A constructor or a dependency that throws: the call fails (the orchestrator sees why), it is not retried blindly.
            var error = ex is System.Reflection.TargetInvocationException { InnerException: { } inner } ? inner : ex;
            return Failed(scheduled, now, Failures.FromException(error));
        }

        if (activity is null)
        {
            return Failed(scheduled, now, new FailureDetails(
                typeof(InvalidOperationException).FullName!,
                $"No activity named '{scheduled.Name}' is registered with this worker. Register it with " +
                $"AddTasks(r => r.AddActivity<...>()) (or AddActivityFunc(\"{scheduled.Name}\", ...)) on the worker builder.")
            { IsNonRetriable = true });
        }

        object? input;
        try
        {
            input = scheduled.Input is null ? null : _context.Options.DataConverter.Deserialize(scheduled.Input, activity.InputType);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Failed(scheduled, now, new FailureDetails(
                ex.GetType().FullName!,
                $"The input of activity '{scheduled.Name}' could not be read as {activity.InputType.Name}: {ex.Message}",
                ex.StackTrace) { IsNonRetriable = true });
        }

        try
        {
            var context = new PerdureActivityContext(new TaskName(scheduled.Name), workItem.InstanceId, scheduled.Version);
            var output = await activity.RunAsync(context, input).ConfigureAwait(false);
            var serialized = output is null ? null : _context.Options.DataConverter.Serialize(output);
            return new TaskCompletedEvent { TaskScheduledId = scheduled.EventId, Result = serialized, Timestamp = _context.Time.GetUtcNow() };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Failed(scheduled, _context.Time.GetUtcNow(), Failures.FromException(ex));
        }
    }

    private static TaskFailedEvent Failed(TaskScheduledEvent scheduled, DateTimeOffset now, FailureDetails failure) =>
        new() { TaskScheduledId = scheduled.EventId, Failure = failure, Timestamp = now };

    private async Task AbandonQuietlyAsync(ActivityWorkItem workItem)
    {
        try
        {
            await _context.Store.AbandonActivityAsync(workItem, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not renewed any more, the lease runs out on its own.
            Log.ActivityCompleteError(_logger, ex, workItem.Scheduled.Name, workItem.InstanceId, _context.Options.LeaseDuration);
        }
    }

    /// <summary>An activity in flight: its lease is being renewed unless lost; the gate keeps renewal and completion apart.</summary>
    /// <remarks>The gate is never disposed: it makes no wait handle, and a renewal may still hold a reference.</remarks>
    private sealed class InFlight
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile bool LeaseLost;
    }

    private sealed class PerdureActivityContext(TaskName name, string instanceId, string? version) : TaskActivityContext
    {
        public override TaskName Name { get; } = name;

        public override string InstanceId { get; } = instanceId;

        public override string Version { get; } = version ?? string.Empty;
    }
}
