using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Perdure.Core;
using Perdure.Core.Storage;
using Perdure.Engine.Dispatch;

namespace Perdure.Engine;

/// <summary>
/// The Microsoft.DurableTask worker that runs orchestrations, activities and entities on Perdure's own engine and store. Plugged
/// in by the <c>Use…()</c> extensions (<c>UseInMemory</c>, <c>UseSqlite</c>, ...) of the worker builder.
/// </summary>
/// <remarks>
/// Starting the worker creates the task hub if needed. Stopping it stops claiming work, lets orchestration steps and
/// activities in flight finish (activities for at most <see cref="PerdureWorkerOptions.ShutdownTimeout"/>), and leaves
/// anything unfinished to be claimed again when its lease runs out.
/// </remarks>
public sealed class PerdureWorker : DurableTaskWorker
{
    private readonly PerdureWorkerOptions _options;
    private readonly IServiceProvider _services;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates the worker; the SDK's builder calls this through dependency injection.</summary>
    [ActivatorUtilitiesConstructor]
    public PerdureWorker(
        string name, IDurableTaskFactory factory, IOptionsMonitor<PerdureWorkerOptions> options, IServiceProvider services,
        ILoggerFactory? loggerFactory = null)
        : base(name, factory)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Get(name);
        _services = services;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger("Perdure.Engine.Worker");
        _time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        TaskHubName.Validate(_options.TaskHub);
        if (_options.MaxEntityBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), _options.MaxEntityBatchSize, $"{nameof(PerdureWorkerOptions.MaxEntityBatchSize)} must be at least 1.");
        }

        if (_options.StoreFactory is null)
        {
            throw new InvalidOperationException(
                $"Durable Task worker '{name}' has no Perdure store. Call UseInMemory(), UseSqlite(...) or UsePostgres(...) " +
                "on the worker builder inside AddDurableTaskWorker(...).");
        }

        Store = _options.StoreFactory(services, _options.TaskHub);
        WorkerId = _options.WorkerId ?? $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
    }

    /// <summary>The store this worker reads and writes.</summary>
    public IPerdureStore Store { get; }

    /// <summary>This worker's name in leases and logs.</summary>
    public string WorkerId { get; }

    /// <inheritdoc/>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Store.CreateTaskHubAsync(stoppingToken).ConfigureAwait(false);
        var context = new DispatchContext(Store, Factory, _services, _options, WorkerId, _time, _loggerFactory);
        using var orchestrations = new OrchestrationDispatcher(context);
        var activities = new ActivityDispatcher(context, orchestrations.TryCompleteWithLocalStepAsync);
        var entities = new EntityDispatcher(context, stoppingToken);
        var concurrency = _options.Concurrency;
        Log.WorkerStarted(_logger, WorkerId, _options.TaskHub, concurrency.MaximumConcurrentOrchestrationWorkItems, concurrency.MaximumConcurrentActivityWorkItems);

        var orchestrationLoop = new WorkItemLoop<Core.OrchestrationWorkItem>(
            WorkItemKind.Orchestration, Store, concurrency.MaximumConcurrentOrchestrationWorkItems,
            orchestrations.ClaimAsync, orchestrations.ProcessAsync, _time, _options.SafetyPollInterval, _logger, yieldFirst: false);
        var activityLoop = new WorkItemLoop<Core.ActivityWorkItem>(
            WorkItemKind.Activity, Store, concurrency.MaximumConcurrentActivityWorkItems,
            activities.ClaimAsync, activities.ProcessAsync, _time, _options.SafetyPollInterval, _logger, yieldFirst: true);
        orchestrations.ActivityLoop = activityLoop;
        var entityLoop = new WorkItemLoop<Core.Entities.EntityWorkItem>(
            WorkItemKind.Entity, Store, concurrency.MaximumConcurrentEntityWorkItems,
            entities.ClaimAsync, entities.ProcessAsync, _time, _options.SafetyPollInterval, _logger, yieldFirst: true);

        using var renewalStop = new CancellationTokenSource();
        var renewal = Task.Run(() => activities.RenewLeasesAsync(renewalStop.Token), CancellationToken.None);
        try
        {
            await Task.WhenAll(
                Task.Run(() => orchestrationLoop.RunAsync(stoppingToken), CancellationToken.None),
                Task.Run(() => activityLoop.RunAsync(stoppingToken), CancellationToken.None),
                Task.Run(() => entityLoop.RunAsync(stoppingToken), CancellationToken.None)).ConfigureAwait(false);

            var allDone = Task.WhenAll(orchestrationLoop.Idle, activityLoop.Idle, entityLoop.Idle);
            if (await Task.WhenAny(allDone, Task.Delay(_options.ShutdownTimeout, CancellationToken.None)).ConfigureAwait(false) != allDone)
            {
                await activities.AbandonInFlightAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            await renewalStop.CancelAsync().ConfigureAwait(false);
            await renewal.ConfigureAwait(false);
        }

        Log.WorkerStopped(_logger, WorkerId);
    }
}
