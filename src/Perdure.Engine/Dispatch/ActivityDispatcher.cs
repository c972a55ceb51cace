using Microsoft.DurableTask;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;

namespace Perdure.Engine.Dispatch;

/// <summary>
/// Runs activities: claim a task under a lease, create the activity in a DI scope of its own, run it outside replay while
/// renewing the lease, and commit its result into the calling orchestration's inbox. At least once: a worker that dies
/// mid-activity leaves the task to be claimed again when its lease runs out.
/// </summary>
internal sealed class ActivityDispatcher : IDisposable
{
    private readonly IPerdureStore _store;
    private readonly IDurableTaskFactory _factory;
    private readonly IServiceProvider _services;
    private readonly PerdureWorkerOptions _options;
    private readonly string _workerId;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _giveUp = new();

    public ActivityDispatcher(
        IPerdureStore store, IDurableTaskFactory factory, IServiceProvider services, PerdureWorkerOptions options,
        string workerId, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _store = store;
        _factory = factory;
        _services = services;
        _options = options;
        _workerId = workerId;
        _time = time;
        _logger = loggerFactory.CreateLogger("Perdure.Engine.Activities");
    }

    /// <summary>
    /// Called when the worker stops waiting for activities in flight: their leases are no longer renewed, they are
    /// abandoned so another worker can run them at once, and their results (if they still come) are dropped.
    /// </summary>
    public void AbandonInFlight() => _giveUp.Cancel();

    public void Dispose() => _giveUp.Dispose();

    public Task<ActivityWorkItem?> ClaimAsync(CancellationToken cancellationToken) =>
        _store.ClaimActivityAsync(_workerId, _options.LeaseDuration, cancellationToken);

    public async Task ProcessAsync(ActivityWorkItem workItem)
    {
        using var leaseLost = new CancellationTokenSource();
        using var renewing = CancellationTokenSource.CreateLinkedTokenSource(_giveUp.Token);
        var renewal = RenewWhileRunningAsync(workItem, leaseLost, renewing.Token);
        HistoryEvent result;
        try
        {
            result = await RunAsync(workItem).ConfigureAwait(false);
        }
        finally
        {
            await renewing.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }

        if (_giveUp.IsCancellationRequested)
        {
            // The worker already abandoned this item; another worker may be running it.
            return;
        }

        if (leaseLost.IsCancellationRequested)
        {
            Log.ActivityLeaseLost(_logger, workItem.Scheduled.Name, workItem.TaskId, workItem.InstanceId);
            return;
        }

        try
        {
            await _store.CompleteActivityAsync(workItem, result, CancellationToken.None).ConfigureAwait(false);
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
                await _store.AbandonActivityAsync(workItem, retryAfter, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception abandonError) when (abandonError is not OutOfMemoryException)
            {
                // The lease runs out on its own and the task comes back then.
                Log.ActivityCompleteError(_logger, abandonError, workItem.Scheduled.Name, workItem.InstanceId, _options.LeaseDuration);
            }
        }
    }

    private async Task<HistoryEvent> RunAsync(ActivityWorkItem workItem)
    {
        var scheduled = workItem.Scheduled;
        var now = _time.GetUtcNow();
        await using var scope = _services.CreateAsyncScope();
        if (!_factory.TryCreateActivity(new TaskName(scheduled.Name), scope.ServiceProvider, out var activity))
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
            input = scheduled.Input is null ? null : _options.DataConverter.Deserialize(scheduled.Input, activity.InputType);
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
            var serialized = output is null ? null : _options.DataConverter.Serialize(output);
            return new TaskCompletedEvent { TaskScheduledId = scheduled.EventId, Result = serialized, Timestamp = _time.GetUtcNow() };
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            return Failed(scheduled, _time.GetUtcNow(), Failures.FromException(ex));
        }
    }

    private static TaskFailedEvent Failed(TaskScheduledEvent scheduled, DateTimeOffset now, FailureDetails failure) =>
        new() { TaskScheduledId = scheduled.EventId, Failure = failure, Timestamp = now };

    private async Task RenewWhileRunningAsync(ActivityWorkItem workItem, CancellationTokenSource leaseLost, CancellationToken done)
    {
        var interval = _options.LeaseDuration / 2;
        while (!done.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(interval, _time, done).ConfigureAwait(false);
                await _store.RenewActivityLeaseAsync(workItem, _options.LeaseDuration, done).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_giveUp.IsCancellationRequested)
            {
                await AbandonQuietlyAsync(workItem).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (WorkItemLockLostException)
            {
                await leaseLost.CancelAsync().ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A failed renewal is retried at the next interval; the lease still has half its time left.
                Log.ActivityCompleteError(_logger, ex, workItem.Scheduled.Name, workItem.InstanceId, interval);
            }
        }
    }

    private async Task AbandonQuietlyAsync(ActivityWorkItem workItem)
    {
        try
        {
            await _store.AbandonActivityAsync(workItem, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Not renewed any more, the lease runs out on its own.
            Log.ActivityCompleteError(_logger, ex, workItem.Scheduled.Name, workItem.InstanceId, _options.LeaseDuration);
        }
    }

    private sealed class PerdureActivityContext(TaskName name, string instanceId, string? version) : TaskActivityContext
    {
        public override TaskName Name { get; } = name;

        public override string InstanceId { get; } = instanceId;

        public override string Version { get; } = version ?? string.Empty;
    }
}
