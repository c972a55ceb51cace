using System.Collections.Concurrent;

namespace Perdure.Core.Storage;

/// <summary>
/// One per service provider: hands out one store instance per store key (kind, location and task hub), so a worker and a
/// client configured with the same store share it, its signals and its writer.
/// </summary>
public sealed class PerdureStoreRegistry : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<IPerdureStore>> _stores = new(StringComparer.Ordinal);

    /// <summary>Returns the store registered under <paramref name="key"/>, creating it with <paramref name="create"/> the first time.</summary>
    public IPerdureStore GetOrAdd(string key, Func<IPerdureStore> create)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(create);
        return _stores.GetOrAdd(key, _ => new Lazy<IPerdureStore>(create)).Value;
    }

    /// <summary>Disposes every store created through the registry.</summary>
    public async ValueTask DisposeAsync()
    {
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated))
        {
            await store.Value.DisposeAsync().ConfigureAwait(false);
        }

        _stores.Clear();
    }
}
