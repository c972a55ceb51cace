using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.DurableTask.Worker;
using Microsoft.DurableTask.Worker.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Perdure.Core.Entities;
using Perdure.Engine.Entities;

namespace Perdure.Engine.Tests.Entities;

/// <summary>
/// An <see cref="EntityBatchExecutor"/> over the task factory the SDK builds from real registrations
/// (<c>AddDurableTaskWorker(b => b.AddTasks(...))</c>), as a worker receives it.
/// </summary>
internal sealed class EntityHarness : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public EntityHarness(Action<DurableTaskRegistry> register, Action<IServiceCollection>? configureServices = null)
    {
        var services = new ServiceCollection();
        configureServices?.Invoke(services);
        services.AddDurableTaskWorker(builder =>
        {
            builder.AddTasks(register);
            builder.UseBuildTarget<FactoryCapture>();
        });
        _services = services.BuildServiceProvider();
        Factory = _services.GetServices<IHostedService>().OfType<FactoryCapture>().Single().TaskFactory;
        Executor = new EntityBatchExecutor(Factory, _services, JsonDataConverter.Default);
    }

    public IDurableTaskFactory Factory { get; }

    public EntityBatchExecutor Executor { get; }

    public IServiceProvider Services => _services;

    public static string? Serialize(object? value) => value is null ? null : JsonDataConverter.Default.Serialize(value);

    public static EntityOperationRequest Op(string name, object? input = null) => new(name, Serialize(input));

    public Task<EntityBatchResult> RunAsync(string entityId, string? state, params EntityOperationRequest[] operations) =>
        Executor.ExecuteAsync(EntityId.Parse(entityId), state, operations, CancellationToken.None);

    public ValueTask DisposeAsync() => _services.DisposeAsync();

    /// <summary>A worker that only keeps the factory it was built with.</summary>
    private sealed class FactoryCapture(string name, IDurableTaskFactory factory) : DurableTaskWorker(name, factory)
    {
        public IDurableTaskFactory TaskFactory => Factory;

        protected override Task ExecuteAsync(CancellationToken stoppingToken) => Task.CompletedTask;
    }
}
