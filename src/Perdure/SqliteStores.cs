using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perdure.Core.Storage;
using Perdure.Storage.Sqlite;

namespace Perdure;

/// <summary>Finds the SQLite store of a file and task hub in a service provider's <see cref="PerdureStoreRegistry"/>.</summary>
internal static class SqliteStores
{
    /// <summary>
    /// The store for (full path of the file, task hub): a worker and a client that name the same file share one store and
    /// so one writer. The first caller's store options win for that pair.
    /// </summary>
    public static IPerdureStore Get(IServiceProvider services, string connectionString, Action<SqliteStoreOptions>? configureStore, string taskHub)
    {
        var path = SqliteStoreOptions.DatabasePathOf(connectionString);
        return services.GetRequiredService<PerdureStoreRegistry>().GetOrAdd(
            $"sqlite:{path}:{taskHub}",
            () =>
            {
                var options = new SqliteStoreOptions { ConnectionString = connectionString };
                configureStore?.Invoke(options);
                return new SqliteStore(taskHub, options, services.GetService<TimeProvider>(), services.GetService<ILoggerFactory>());
            });
    }

    /// <summary>Checks a connection string where it is given, so a bad one fails at configuration, not at first use.</summary>
    public static void Validate(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _ = SqliteStoreOptions.DatabasePathOf(connectionString);
    }
}
