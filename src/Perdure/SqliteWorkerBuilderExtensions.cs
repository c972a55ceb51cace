using Perdure;
using Perdure.Engine;
using Perdure.Storage.Sqlite;

// The Use…() extensions live in the SDK's namespace, as UseGrpc does, so no extra using is needed.
namespace Microsoft.DurableTask.Worker;

/// <summary>Runs a Durable Task worker on Perdure with a SQLite file.</summary>
public static class SqliteWorkerBuilderExtensions
{
    /// <summary>
    /// Runs this worker on Perdure's engine with a SQLite database file: durable, embedded, nothing to install. The file
    /// is created (and its schema applied) when the worker starts. A client that calls <c>UseSqlite</c> with the same
    /// file and task hub in the same service provider shares the store and its writer.
    /// </summary>
    /// <param name="builder">The worker builder.</param>
    /// <param name="connectionString">A Microsoft.Data.Sqlite connection string naming a file, e.g. <c>Data Source=perdure.db</c>.</param>
    /// <param name="configure">Sets the task hub, concurrency, lease, cache and other engine options.</param>
    /// <param name="configureStore">Sets the store's options (batching, durability, safety poll); the first of a worker and a client to create the store decides them.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// Durable by default: a step is committed to disk before it counts as done (<see cref="SqliteSynchronous.Full"/>).
    /// Several processes may share the file; see <see cref="SqliteStore"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">The connection string is empty, malformed or names no file.</exception>
    public static IDurableTaskWorkerBuilder UseSqlite(
        this IDurableTaskWorkerBuilder builder,
        string connectionString,
        Action<PerdureWorkerOptions>? configure = null,
        Action<SqliteStoreOptions>? configureStore = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        SqliteStores.Validate(connectionString);
        return builder.UsePerdureStore(
            (services, taskHub) => SqliteStores.Get(services, connectionString, configureStore, taskHub),
            configure);
    }
}
