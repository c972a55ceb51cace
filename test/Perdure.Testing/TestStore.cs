using System.Collections;

namespace Perdure.Testing;

/// <summary>The stores integration tests run over.</summary>
public enum TestStore
{
    /// <summary>The in-memory reference store.</summary>
    InMemory,

    /// <summary>The embedded SQLite store, on a temporary file.</summary>
    Sqlite,

    /// <summary>The PostgreSQL store, on the server <see cref="TestPostgres"/> names, with a task hub of its own.</summary>
    Postgres,
}

/// <summary>Theory data: every store, so one test body runs over each.</summary>
public sealed class AllStores : IEnumerable<object[]>
{
    /// <inheritdoc/>
    public IEnumerator<object[]> GetEnumerator()
    {
        yield return [TestStore.InMemory];
        yield return [TestStore.Sqlite];
        yield return [TestStore.Postgres];
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
