using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;

namespace Perdure.Benchmarks;

/// <summary>
/// The store a run measures, and where its data goes. In-memory needs nothing. SQLite gets a folder of its own under
/// <c>./.bench-data/</c> (next to the working directory, so on its disk and not on a possibly memory-backed /tmp), a
/// fresh database file per measured run, deleted after it, and the folder removed at the end. PostgreSQL gets a fresh
/// schema per measured run on the server the options name, dropped after it.
/// </summary>
internal sealed class BenchStore : IDisposable
{
    private const string DataRoot = ".bench-data";
    private int _files;

    private BenchStore(string name, string? folder, PostgresServer? postgres)
    {
        Name = name;
        Folder = folder;
        Disk = folder is null ? null : DiskInfo.Of(folder);
        Postgres = postgres;
    }

    /// <summary>inmemory, sqlite or postgres.</summary>
    public string Name { get; }

    public bool IsSqlite => Name == "sqlite";

    public bool IsPostgres => Postgres is not null;

    /// <summary>The folder the database files (and the limit probe's files) live in; null for the other stores.</summary>
    public string? Folder { get; }

    /// <summary>The file system and device of <see cref="Folder"/>.</summary>
    public DiskInfo? Disk { get; }

    /// <summary>The PostgreSQL server, for --store postgres.</summary>
    public PostgresServer? Postgres { get; }

    public static BenchStore Create(BenchmarkOptions options)
    {
        if (options.Store == "postgres")
        {
            return new BenchStore(options.Store, null, new PostgresServer(options.PostgresConnectionString!));
        }

        if (options.Store != "sqlite")
        {
            return new BenchStore(options.Store, null, null);
        }

        var root = Path.GetFullPath(options.DataFolder ?? DataRoot);
        var folder = Path.Combine(root, $"run-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(folder);
        return new BenchStore(options.Store, folder, null);
    }

    /// <summary>
    /// A fresh, empty store for one run: a new task hub, and a new SQLite database file or PostgreSQL schema.
    /// <paramref name="poolSize"/> is the PostgreSQL connection pool of this process (see <see cref="PostgresServer.PoolSize"/>).
    /// </summary>
    public StoreLocation NewLocation(string taskHub, int? poolSize = null)
    {
        if (Postgres is not null)
        {
            return StoreLocation.OnPostgres(taskHub, Postgres, Postgres.NewSchemaName(), poolSize ?? PostgresServer.InProcessPoolSize);
        }

        return Folder is null
            ? new StoreLocation(taskHub, null, null, null, null)
            : new StoreLocation(taskHub, Path.Combine(Folder, $"{taskHub}-{Interlocked.Increment(ref _files)}.db"), null, null, null);
    }

    /// <summary>A path for a scratch file of the limit probe, in the same folder as the databases.</summary>
    public string ScratchFile(string name) =>
        Path.Combine(Folder ?? throw new InvalidOperationException("Only the SQLite store has a folder."), name);

    /// <summary>Removes the run's folder, and <c>.bench-data</c> itself when nothing else is in it.</summary>
    public void Dispose()
    {
        if (Folder is null)
        {
            return;
        }

        try
        {
            Directory.Delete(Folder, recursive: true);
            var root = Path.GetDirectoryName(Folder)!;
            if (Directory.Exists(root) && !Directory.EnumerateFileSystemEntries(root).Any())
            {
                Directory.Delete(root);
            }
        }
        catch (IOException e)
        {
            Console.Error.WriteLine($"warning: could not remove {Folder}: {e.Message}");
        }
    }
}

/// <summary>One empty store for one measured run. Disposing deletes its database files, or drops its PostgreSQL schema.</summary>
internal sealed class StoreLocation : IDisposable
{
    private readonly PostgresServer? _server;

    // The in-memory store of the run, owned here rather than by a host's registry, so that a second host (W5's with its
    // cache off) sees the first one's instances, as it would with a database.
    private Core.InMemory.InMemoryStore? _memory;

    /// <param name="taskHub">The task hub of the run.</param>
    /// <param name="databasePath">The SQLite file, or null.</param>
    /// <param name="server">The PostgreSQL server, or null.</param>
    /// <param name="schema">The run's PostgreSQL schema, or null.</param>
    /// <param name="postgresConnectionString">The connection string this process's store uses (with its pool size), or null.</param>
    public StoreLocation(string taskHub, string? databasePath, PostgresServer? server, string? schema, string? postgresConnectionString)
    {
        TaskHub = taskHub;
        DatabasePath = databasePath;
        _server = server;
        Schema = schema;
        PostgresConnectionString = postgresConnectionString;
    }

    public string TaskHub { get; }

    public string? DatabasePath { get; }

    /// <summary>The run's PostgreSQL schema (created by the store on first use, dropped by <see cref="Dispose"/>).</summary>
    public string? Schema { get; }

    public string? PostgresConnectionString { get; }

    private string ConnectionString => $"Data Source={DatabasePath}";

    private Core.InMemory.InMemoryStore Memory => LazyInitializer.EnsureInitialized(ref _memory, () => new Core.InMemory.InMemoryStore(TaskHub));

    public static StoreLocation OnPostgres(string taskHub, PostgresServer server, string schema, int poolSize) =>
        new(taskHub, null, server, schema, server.WithPool(poolSize));

    /// <summary>
    /// Durable defaults: Use… with no store option changed; only the task hub, concurrency (and schema) are set, plus
    /// what <paramref name="engine"/> changes (W5 turns the cache off).
    /// </summary>
    public void ConfigureWorker(IDurableTaskWorkerBuilder builder, int concurrency, Action<Engine.PerdureWorkerOptions>? engine = null)
    {
        void Configure(Engine.PerdureWorkerOptions o)
        {
            o.TaskHub = TaskHub;
            o.Concurrency.MaximumConcurrentOrchestrationWorkItems = concurrency;
            o.Concurrency.MaximumConcurrentActivityWorkItems = concurrency;
            engine?.Invoke(o);
        }

        if (PostgresConnectionString is not null)
        {
            builder.UsePostgres(PostgresConnectionString, Configure, o => o.Schema = Schema!);
        }
        else if (DatabasePath is null)
        {
            builder.UsePerdureStore((_, _) => Memory, Configure);
        }
        else
        {
            builder.UseSqlite(ConnectionString, Configure);
        }
    }

    /// <summary>The client on the same store (the same file or schema and task hub, so in one process it shares the worker's store).</summary>
    public void ConfigureClient(IDurableTaskClientBuilder builder)
    {
        if (PostgresConnectionString is not null)
        {
            builder.UsePostgres(PostgresConnectionString, o => o.TaskHub = TaskHub, o => o.Schema = Schema!);
        }
        else if (DatabasePath is null)
        {
            builder.UsePerdureStore((_, _) => Memory, o => o.TaskHub = TaskHub);
        }
        else
        {
            builder.UseSqlite(ConnectionString, o => o.TaskHub = TaskHub);
        }
    }

    /// <summary>Bytes of the database and its WAL right now, or of the PostgreSQL schema's tables and indexes (0 in memory).</summary>
    public long FileBytes() =>
        _server is not null ? _server.SchemaBytes(Schema!)
        : DatabasePath is null ? 0
        : Files().Where(File.Exists).Sum(f => new FileInfo(f).Length);

    public void Dispose()
    {
        if (_server is not null)
        {
            _server.DropSchema(Schema!);
            return;
        }

        if (DatabasePath is null)
        {
            _memory?.DisposeAsync().AsTask().GetAwaiter().GetResult();
            return;
        }

        foreach (var file in Files())
        {
            File.Delete(file);
        }
    }

    private string[] Files() => [DatabasePath!, DatabasePath + "-wal", DatabasePath + "-shm", DatabasePath + "-journal"];
}
