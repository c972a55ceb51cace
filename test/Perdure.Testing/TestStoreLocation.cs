using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Npgsql;
using Perdure.Client;
using Perdure.Core.InMemory;
using Perdure.Engine;
using Perdure.Storage.Postgres;

namespace Perdure.Testing;

/// <summary>
/// Where a test's state lives: an in-memory store object or a temporary SQLite file, with a task hub of its own. Hosts
/// started on the same location share state, as a restarted worker or a second process would.
/// </summary>
public abstract class TestStoreLocation : IDisposable
{
    private protected TestStoreLocation(TestStore kind)
    {
        Kind = kind;
    }

    /// <summary>The kind of store.</summary>
    public TestStore Kind { get; }

    /// <summary>The task hub every host on this location uses.</summary>
    public string TaskHub { get; } = PerdureTestHost.NewTaskHubName();

    /// <summary>Creates a fresh location of the given kind.</summary>
    public static TestStoreLocation Create(TestStore kind) => kind switch
    {
        TestStore.InMemory => new InMemoryLocation(),
        TestStore.Sqlite => new SqliteLocation(),
        TestStore.Postgres => new PostgresLocation(),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown test store."),
    };

    /// <inheritdoc/>
    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    internal abstract void Use(IDurableTaskWorkerBuilder builder, Action<PerdureWorkerOptions> configure);

    internal abstract void Use(IDurableTaskClientBuilder builder, Action<PerdureClientOptions> configure);

    /// <summary>Releases the location's resources.</summary>
    protected virtual void Dispose(bool disposing)
    {
    }

    private sealed class InMemoryLocation() : TestStoreLocation(TestStore.InMemory)
    {
        private InMemoryStore? _store;

        private InMemoryStore Store => _store ??= new InMemoryStore(TaskHub);

        internal override void Use(IDurableTaskWorkerBuilder builder, Action<PerdureWorkerOptions> configure) =>
            builder.UsePerdureStore((_, _) => Store, configure);

        internal override void Use(IDurableTaskClientBuilder builder, Action<PerdureClientOptions> configure) =>
            builder.UsePerdureStore((_, _) => Store, configure);
    }

    private sealed class SqliteLocation() : TestStoreLocation(TestStore.Sqlite)
    {
        private readonly string _folder = Directory.CreateTempSubdirectory("perdure-test-").FullName;

        private string ConnectionString => $"Data Source={Path.Combine(_folder, "perdure.db")}";

        internal override void Use(IDurableTaskWorkerBuilder builder, Action<PerdureWorkerOptions> configure) =>
            builder.UseSqlite(ConnectionString, configure);

        internal override void Use(IDurableTaskClientBuilder builder, Action<PerdureClientOptions> configure) =>
            builder.UseSqlite(ConnectionString, configure);

        protected override void Dispose(bool disposing)
        {
            SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_folder, recursive: true);
            }
            catch (IOException)
            {
                // A file still open elsewhere; the temporary folder is the system's to clean.
            }
            finally
            {
                base.Dispose(disposing);
            }
        }
    }

    private sealed class PostgresLocation() : TestStoreLocation(TestStore.Postgres)
    {
        /// <summary>
        /// Connections per store. The server allows 100 in all; test classes run at once, some with two hosts on a location
        /// (each store has a pool, one connection of which LISTENs), and other test assemblies may share the server.
        /// </summary>
        private const int MaxPoolSize = 6;

        private readonly string _connectionString =
            new NpgsqlConnectionStringBuilder(TestPostgres.ConnectionString) { MaxPoolSize = MaxPoolSize }.ConnectionString;

        internal override void Use(IDurableTaskWorkerBuilder builder, Action<PerdureWorkerOptions> configure) =>
            builder.UsePostgres(_connectionString, configure, ConfigureStore);

        internal override void Use(IDurableTaskClientBuilder builder, Action<PerdureClientOptions> configure) =>
            builder.UsePostgres(_connectionString, configure, ConfigureStore);

        private static void ConfigureStore(PostgresStoreOptions options) => options.Schema = TestPostgres.IntegrationSchema;

        protected override void Dispose(bool disposing)
        {
            try
            {
                // Every test has its own task hub in the shared schema; its rows go with it.
                var store = new PostgresStore(TaskHub, new PostgresStoreOptions
                {
                    ConnectionString = _connectionString,
                    Schema = TestPostgres.IntegrationSchema,
                });
                try
                {
                    store.DeleteTaskHubAsync(CancellationToken.None).GetAwaiter().GetResult();
                }
                finally
                {
                    store.DisposeAsync().AsTask().GetAwaiter().GetResult();
                }
            }
            finally
            {
                base.Dispose(disposing);
            }
        }
    }
}
