using System.Collections;

namespace Perdure.Testing;

/// <summary>The stores integration tests run over.</summary>
public enum TestStore
{
    /// <summary>The in-memory reference store.</summary>
    InMemory,

    /// <summary>The embedded SQLite store, on a temporary file.</summary>
    Sqlite,
}

/// <summary>Theory data: every store, so one test body runs over each.</summary>
public sealed class AllStores : IEnumerable<object[]>
{
    /// <inheritdoc/>
    public IEnumerator<object[]> GetEnumerator()
    {
        foreach (var store in Enum.GetValues<TestStore>())
        {
            yield return [store];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
