using Perdure;
using Perdure.Client;
using Perdure.Storage.Postgres;

// The Use…() extensions live in the SDK's namespace, as UseGrpc does, so no extra using is needed.
namespace Microsoft.DurableTask.Client;

/// <summary>Makes a Durable Task client work on a Perdure PostgreSQL database.</summary>
public static class PostgresClientBuilderExtensions
{
    /// <summary>
    /// Makes this client a <see cref="PerdureClient"/> over a PostgreSQL database. A client needs no worker in its process:
    /// it starts, queries and manages instances that any worker on the same database and task hub runs. A worker that calls
    /// <c>UsePostgres</c> with the same database, schema and task hub in the same service provider shares the store.
    /// </summary>
    /// <param name="builder">The client builder.</param>
    /// <param name="connectionString">An Npgsql connection string, e.g. <c>Host=db;Username=app;Password=...;Database=app</c>.</param>
    /// <param name="configure">Sets the task hub and the SDK's client options.</param>
    /// <param name="configureStore">Sets the store's options (schema, fallback poll, retries); the first of a worker and a client to create the store decides them.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <remarks>The database is connected to, checked and migrated on the client's first call.</remarks>
    /// <exception cref="ArgumentException">The connection string is empty or malformed.</exception>
    public static IDurableTaskClientBuilder UsePostgres(
        this IDurableTaskClientBuilder builder,
        string connectionString,
        Action<PerdureClientOptions>? configure = null,
        Action<PostgresStoreOptions>? configureStore = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        PostgresStores.Validate(connectionString);
        return builder.UsePerdureStore(
            (services, taskHub) => PostgresStores.Get(services, connectionString, configureStore, taskHub),
            configure);
    }
}
