using Perdure.Core.Storage;

namespace Perdure.Storage.Postgres.Data;

/// <summary>The SQL statements of the store, embedded as resources named by their path under <c>Sql/</c> (see <see cref="EmbeddedSql"/>).</summary>
internal static class Sql
{
    private static readonly EmbeddedSql Embedded = new(typeof(Sql).Assembly);

    /// <inheritdoc cref="EmbeddedSql.Get"/>
    public static string Get(string name) => Embedded.Get(name);

    /// <inheritdoc cref="EmbeddedSql.Read"/>
    public static string Read(string resourceName) => Embedded.Read(resourceName);

    /// <inheritdoc cref="EmbeddedSql.Names"/>
    public static IEnumerable<string> Names(string prefix) => Embedded.Names(prefix);
}
