using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Perdure;
using Perdure.Core.Storage;
using Perdure.Engine;

// The Use…() extensions live in the SDK's namespace, as UseGrpc does, so no extra using is needed.
namespace Microsoft.DurableTask.Worker;

/// <summary>Picks a Perdure store for a Durable Task worker.</summary>
public static class PerdureWorkerBuilderExtensions
{
    /// <summary>
    /// Runs this worker on Perdure's engine with an in-process memory store. State lives only as long as the process;
    /// use it for tests and experiments. A client that calls <c>UseInMemory</c> with the same name and task hub in the
    /// same service provider shares the store.
    /// </summary>
    /// <param name="builder">The worker builder.</param>
    /// <param name="name">The name of the memory store; stores with different names are unrelated.</param>
    /// <param name="configure">Sets the task hub, concurrency, lease, cache and other engine options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IDurableTaskWorkerBuilder UseInMemory(
        this IDurableTaskWorkerBuilder builder, string name = "default", Action<PerdureWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return builder.UsePerdureStore(
            (services, taskHub) => InMemoryStores.Get(services, name, taskHub),
            configure);
    }

    /// <summary>
    /// Runs this worker on Perdure's engine with the store that <paramref name="storeFactory"/> returns for a task hub.
    /// The building block of the store-specific <c>Use…()</c> methods.
    /// </summary>
    /// <param name="builder">The worker builder.</param>
    /// <param name="storeFactory">Returns the store for a task hub; called once when the worker is created.</param>
    /// <param name="configure">Sets the task hub and engine options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IDurableTaskWorkerBuilder UsePerdureStore(
        this IDurableTaskWorkerBuilder builder,
        Func<IServiceProvider, string, IPerdureStore> storeFactory,
        Action<PerdureWorkerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storeFactory);
        builder.Services.TryAddSingleton<PerdureStoreRegistry>();
        builder.UseBuildTarget<PerdureWorker, PerdureWorkerOptions>();
        builder.Services.Configure<PerdureWorkerOptions>(builder.Name, options =>
        {
            options.StoreFactory = storeFactory;
            configure?.Invoke(options);
        });
        return builder;
    }
}
