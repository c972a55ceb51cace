using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Perdure;
using Perdure.Client;
using Perdure.Core.Storage;

// The Use…() extensions live in the SDK's namespace, as UseGrpc does, so no extra using is needed.
namespace Microsoft.DurableTask.Client;

/// <summary>Picks a Perdure store for a Durable Task client.</summary>
public static class PerdureClientBuilderExtensions
{
    /// <summary>
    /// Makes this client a <see cref="PerdureClient"/> over an in-process memory store. A worker that calls
    /// <c>UseInMemory</c> with the same name and task hub in the same service provider shares the store.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="name">The name of the memory store; stores with different names are unrelated.</param>
    /// <param name="configure">Sets the task hub and the SDK's client options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IDurableTaskClientBuilder UseInMemory(
        this IDurableTaskClientBuilder builder, string name = "default", Action<PerdureClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);
        return builder.UsePerdureStore((services, taskHub) => InMemoryStores.Get(services, name, taskHub), configure);
    }

    /// <summary>
    /// Makes this client a <see cref="PerdureClient"/> over the store that <paramref name="storeFactory"/> returns for a
    /// task hub. The building block of the store-specific <c>Use…()</c> methods.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="storeFactory">Returns the store for a task hub.</param>
    /// <param name="configure">Sets the task hub and the SDK's client options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IDurableTaskClientBuilder UsePerdureStore(
        this IDurableTaskClientBuilder builder,
        Func<IServiceProvider, string, IPerdureStore> storeFactory,
        Action<PerdureClientOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(storeFactory);
        builder.Services.TryAddSingleton<PerdureStoreRegistry>();
        builder.UseBuildTarget<PerdureClient, PerdureClientOptions>();
        builder.Services.Configure<PerdureClientOptions>(builder.Name, options =>
        {
            options.StoreFactory = storeFactory;
            configure?.Invoke(options);
        });
        return builder;
    }
}
