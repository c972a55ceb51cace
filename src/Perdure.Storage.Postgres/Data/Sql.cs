using System.Collections.Concurrent;
using System.Reflection;

namespace Perdure.Storage.Postgres.Data;

/// <summary>The SQL statements of the store, embedded as resources named by their path under <c>Sql/</c>.</summary>
internal static class Sql
{
    private static readonly Assembly Assembly = typeof(Sql).Assembly;
    private static readonly ConcurrentDictionary<string, string> Statements = new(StringComparer.Ordinal);

    /// <summary>The text of a statement, by its path without extension, e.g. <c>Orchestrations/Claim</c>.</summary>
    public static string Get(string name) => Statements.GetOrAdd(name, static n => Read($"Sql/{n}.sql"));

    /// <summary>Reads an embedded resource by its logical name.</summary>
    public static string Read(string resourceName)
    {
        using var stream = Assembly.GetManifestResourceStream(resourceName)
            ?? throw new InvalidOperationException($"The embedded SQL resource '{resourceName}' is missing from {Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The logical names of every embedded resource that starts with <paramref name="prefix"/>.</summary>
    public static IEnumerable<string> Names(string prefix) =>
        Assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal));
}
