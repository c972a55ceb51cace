using System.Collections.Concurrent;
using System.Reflection;

namespace Perdure.Core.Storage;

/// <summary>
/// The SQL statements a store keeps as embedded resources named by their path under <c>Sql/</c> (one statement per
/// file), read once each and cached.
/// </summary>
/// <param name="assembly">The store's assembly, which embeds the resources.</param>
public sealed class EmbeddedSql(Assembly assembly)
{
    private readonly ConcurrentDictionary<string, string> _statements = new(StringComparer.Ordinal);

    /// <summary>The text of a statement, by its path without extension, e.g. <c>Orchestrations/Claim</c>.</summary>
    public string Get(string name) => _statements.GetOrAdd(name, n => Read($"Sql/{n}.sql"));

    /// <summary>Reads an embedded resource by its logical name.</summary>
    /// <exception cref="InvalidOperationException">The assembly has no such resource.</exception>
    public string Read(string resourceName)
    {
        using var stream = assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded SQL resource '{resourceName}' is missing from {assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The logical names of every embedded resource that starts with <paramref name="prefix"/>.</summary>
    public IEnumerable<string> Names(string prefix) =>
        assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal));
}
