namespace Perdure.Testing;

/// <summary>The stores integration tests run over.</summary>
public enum TestStore
{
    /// <summary>The in-memory reference store.</summary>
    InMemory,
}
