using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.Core.Storage;
using Perdure.Engine;

namespace Perdure.Testing;

/// <summary>
/// A started host with a Perdure worker and client on a task hub of their own, built the way users build theirs:
/// through <c>AddDurableTaskWorker</c> and <c>AddDurableTaskClient</c>.
/// </summary>
public sealed class PerdureTestHost : IAsyncDisposable
{
    private static int s_hubCounter;
    private readonly IHost _host;
    private bool _stopped;
    private TestStoreLocation? _ownedLocation;

    private PerdureTestHost(IHost host, string taskHub)
    {
        _host = host;
        TaskHub = taskHub;
        Client = host.Services.GetRequiredService<DurableTaskClient>();
    }

    /// <summary>The task hub this host's worker and client use.</summary>
    public string TaskHub { get; }

    /// <summary>The SDK client.</summary>
    public DurableTaskClient Client { get; }

    /// <summary>The store under the worker, for tests that watch instance state change (event driven).</summary>
    public IPerdureStore Store => _host.Services.GetServices<IHostedService>().OfType<PerdureWorker>().Single().Store;

    /// <summary>The host's services.</summary>
    public IServiceProvider Services => _host.Services;

    /// <summary>A task hub name no other test uses.</summary>
    public static string NewTaskHubName() => $"test{Interlocked.Increment(ref s_hubCounter)}_{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>Builds and starts a host on a fresh in-memory store.</summary>
    /// <param name="registerTasks">Registers orchestrators and activities.</param>
    /// <param name="configureWorker">Further worker options.</param>
    /// <param name="configureServices">Further services (e.g. a fake TimeProvider or a logger provider).</param>
    public static Task<PerdureTestHost> StartAsync(
        Action<DurableTaskRegistry> registerTasks,
        Action<PerdureWorkerOptions>? configureWorker = null,
        Action<IServiceCollection>? configureServices = null) =>
        StartAsync(TestStore.InMemory, registerTasks, configureWorker, configureServices);

    /// <summary>Builds and starts a host on a fresh store of the given kind (deleted when the host is disposed).</summary>
    /// <param name="store">The kind of store.</param>
    /// <param name="registerTasks">Registers orchestrators and activities.</param>
    /// <param name="configureWorker">Further worker options.</param>
    /// <param name="configureServices">Further services (e.g. a fake TimeProvider or a logger provider).</param>
    public static async Task<PerdureTestHost> StartAsync(
        TestStore store,
        Action<DurableTaskRegistry> registerTasks,
        Action<PerdureWorkerOptions>? configureWorker = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var location = TestStoreLocation.Create(store);
        var host = await StartAsync(location, registerTasks, configureWorker, configureServices).ConfigureAwait(false);
        host._ownedLocation = location;
        return host;
    }

    /// <summary>Builds and starts a host on a location that other hosts may share (a restarted or second worker).</summary>
    /// <param name="location">Where the state lives; the caller disposes it.</param>
    /// <param name="registerTasks">Registers orchestrators and activities.</param>
    /// <param name="configureWorker">Further worker options.</param>
    /// <param name="configureServices">Further services (e.g. a fake TimeProvider or a logger provider).</param>
    public static async Task<PerdureTestHost> StartAsync(
        TestStoreLocation location,
        Action<DurableTaskRegistry> registerTasks,
        Action<PerdureWorkerOptions>? configureWorker = null,
        Action<IServiceCollection>? configureServices = null)
    {
        ArgumentNullException.ThrowIfNull(location);
        var taskHub = location.TaskHub;
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configureServices?.Invoke(builder.Services);
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(registerTasks);
            location.Use(b, o =>
            {
                o.TaskHub = taskHub;
                configureWorker?.Invoke(o);
            });
        });
        builder.Services.AddDurableTaskClient(b => location.Use(b, o => o.TaskHub = taskHub));
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        return new PerdureTestHost(host, taskHub);
    }

    /// <summary>Schedules an orchestration and waits (bounded) for it to finish, returning its metadata with payloads.</summary>
    public async Task<OrchestrationMetadata> RunAsync(TaskName orchestrator, object? input = null, TimeSpan? timeout = null)
    {
        var id = await Client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input).ConfigureAwait(false);
        return await WaitAsync(id, timeout).ConfigureAwait(false);
    }

    /// <summary>Waits (bounded) for an instance to finish.</summary>
    public async Task<OrchestrationMetadata> WaitAsync(string instanceId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token).ConfigureAwait(false);
    }

    /// <summary>Stops the host gracefully (bounded).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _host.StopAsync(cts.Token).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _host.Dispose();
        _ownedLocation?.Dispose();
    }
}
