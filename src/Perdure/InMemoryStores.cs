using Microsoft.Extensions.DependencyInjection;
using Perdure.Core.InMemory;
using Perdure.Core.Storage;

namespace Perdure;

/// <summary>Finds the in-memory store of a name and task hub in a service provider's <see cref="PerdureStoreRegistry"/>.</summary>
internal static class InMemoryStores
{
    public static IPerdureStore Get(IServiceProvider services, string name, string taskHub) =>
        services.GetRequiredService<PerdureStoreRegistry>().GetOrAdd(
            $"memory:{name}:{taskHub}",
            () => new InMemoryStore(taskHub, services.GetService<TimeProvider>()));
}
