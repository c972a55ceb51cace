using Perdure;
using Perdure.Engine;
using Perdure.Storage.Postgres;

// The Use…() extensions live in the SDK's namespace, as UseGrpc does, so no extra using is needed.
namespace Microsoft.DurableTask.Worker;

/// <summary>Runs a Durable Task worker on Perdure with a PostgreSQL database shared by many workers.</summary>
public static class PostgresWorkerBuilderExtensions
{
    /// <summary>
    /// Runs this worker on Perdure's engine with a PostgreSQL database. Any number of worker processes on any number of
    /// machines may point at the same database and task hub: each instance, activity and entity runs on one of them at a
    /// time, and the work of a worker that stops or dies is taken over when its leases expire. The schema is created (and
    /// migrated) when the worker starts. A client that calls <c>UsePostgres</c> with the same database, schema and task hub
    /// in the same service provider shares the store and its connection pool.
    /// </summary>
    /// <param name="builder">The worker builder.</param>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Username=app;Password=...;Database=app</c>.</param>
    /// <param name="configure">Sets the task hub, concurrency, lease, cache and other engine options.</param>
    /// <param name="configureStore">Sets the store's options (schema, fallback poll, retries); the first of a worker and a client to create the store decides them.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>
    /// The database user needs CREATE on the database (to create the schema) or on the schema, the first time; see
    /// <see cref="PostgresStore"/>.
    /// </remarks>
    /// <exception cref="ArgumentException">The connection string is empty or malformed.</exception>
    public static IDurableTaskWorkerBuilder UsePostgres(
        this IDurableTaskWorkerBuilder builder,
        string connectionString,
        Action<PerdureWorkerOptions>? configure = null,
        Action<PostgresStoreOptions>? configureStore = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        PostgresStores.Validate(connectionString);
        return builder.UsePerdureStore(
            (services, taskHub) => PostgresStores.Get(services, connectionString, configureStore, taskHub),
            configure);
    }
}
