using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Perdure.Core.Storage;
using Perdure.Storage.Postgres;

namespace Perdure;

/// <summary>Finds the PostgreSQL store of a database, schema and task hub in a service provider's <see cref="PerdureStoreRegistry"/>.</summary>
internal static class PostgresStores
{
    /// <summary>
    /// The store for (server, port, database, user, schema, task hub): a worker and a client that name the same database
    /// share one store, and so one connection pool and one LISTEN connection. The first caller's store options win.
    /// </summary>
    public static IPerdureStore Get(IServiceProvider services, string connectionString, Action<PostgresStoreOptions>? configureStore, string taskHub)
    {
        var options = new PostgresStoreOptions { ConnectionString = connectionString };
        configureStore?.Invoke(options);
        var server = new NpgsqlConnectionStringBuilder(connectionString);
        return services.GetRequiredService<PerdureStoreRegistry>().GetOrAdd(
            $"postgres:{server.Host}:{server.Port}:{server.Database}:{server.Username}:{options.Schema}:{taskHub}",
            () => new PostgresStore(taskHub, options, services.GetService<TimeProvider>(), services.GetService<ILoggerFactory>()));
    }

    /// <summary>Checks a connection string where it is given, so a malformed one fails at configuration, not at first use.</summary>
    public static void Validate(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        try
        {
            _ = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(
                $"'{nameof(connectionString)}' is not a valid Npgsql connection string ({ex.Message}); give one such as " +
                "\"Host=...;Username=...;Password=...;Database=...\".", nameof(connectionString), ex);
        }
    }
}
