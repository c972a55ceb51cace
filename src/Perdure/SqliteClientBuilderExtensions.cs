using Perdure;
using Perdure.Client;
using Perdure.Storage.Sqlite;

// The Use…() extensions live in the SDK's namespace, as UseGrpc does, so no extra using is needed.
namespace Microsoft.DurableTask.Client;

/// <summary>Makes a Durable Task client work on a Perdure SQLite file.</summary>
public static class SqliteClientBuilderExtensions
{
    /// <summary>
    /// Makes this client a <see cref="PerdureClient"/> over a SQLite database file. A worker that calls <c>UseSqlite</c>
    /// with the same file and task hub in the same service provider shares the store and its writer; a client in another
    /// process works on the same file too.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string naming a file, e.g. <c>Data Source=perdure.db</c>.</param>
    /// <param name="configure">Sets the task hub and the SDK's client options.</param>
    /// <param name="configureStore">Sets the store's options (batching, durability, safety poll); the first of a worker and a client to create the store decides them.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>The file is opened, checked and migrated on the client's first call.</remarks>
    /// <exception cref="ArgumentException">The connection string is empty, malformed or names no file.</exception>
    public static IDurableTaskClientBuilder UseSqlite(
        this IDurableTaskClientBuilder builder,
        string connectionString,
        Action<PerdureClientOptions>? configure = null,
        Action<SqliteStoreOptions>? configureStore = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        SqliteStores.Validate(connectionString);
        return builder.UsePerdureStore(
            (services, taskHub) => SqliteStores.Get(services, connectionString, configureStore, taskHub),
            configure);
    }
}
