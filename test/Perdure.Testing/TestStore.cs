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

/// <summary>
/// Theory data: the stores that support durable entities so far. SQLite joins when its entity tables land (issue 5);
/// then this list equals <see cref="AllStores"/> and goes away.
/// </summary>
public sealed class EntityStores : IEnumerable<object[]>
{
    /// <inheritdoc/>
    public IEnumerator<object[]> GetEnumerator()
    {
        yield return [TestStore.InMemory];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
