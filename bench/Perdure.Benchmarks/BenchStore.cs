using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;

namespace Perdure.Benchmarks;

/// <summary>
/// The store a run measures, and where its files go. In-memory needs nothing. SQLite gets a folder of its own under
/// <c>./.bench-data/</c> (next to the working directory, so on its disk and not on a possibly memory-backed /tmp), a
/// fresh database file per measured run, deleted after it, and the folder removed at the end.
/// </summary>
internal sealed class BenchStore : IDisposable
{
    private const string DataRoot = ".bench-data";
    private int _files;

    private BenchStore(string name, string? folder)
    {
        Name = name;
        Folder = folder;
        Disk = folder is null ? null : DiskInfo.Of(folder);
    }

    /// <summary>inmemory or sqlite.</summary>
    public string Name { get; }

    public bool IsSqlite => Name == "sqlite";

    /// <summary>The folder the database files (and the limit probe's files) live in; null for the in-memory store.</summary>
    public string? Folder { get; }

    /// <summary>The file system and device of <see cref="Folder"/>.</summary>
    public DiskInfo? Disk { get; }

    public static BenchStore Create(BenchmarkOptions options)
    {
        if (options.Store != "sqlite")
        {
            return new BenchStore(options.Store, null);
        }

        var root = Path.GetFullPath(options.DataFolder ?? DataRoot);
        var folder = Path.Combine(root, $"run-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}");
        Directory.CreateDirectory(folder);
        return new BenchStore(options.Store, folder);
    }

    /// <summary>A fresh, empty store for one run: a new task hub, and for SQLite a new database file.</summary>
    public StoreLocation NewLocation(string taskHub) =>
        Folder is null
            ? new StoreLocation(taskHub, null)
            : new StoreLocation(taskHub, Path.Combine(Folder, $"{taskHub}-{Interlocked.Increment(ref _files)}.db"));

    /// <summary>A path for a scratch file of the limit probe, in the same folder as the databases.</summary>
    public string ScratchFile(string name) =>
        Path.Combine(Folder ?? throw new InvalidOperationException("The in-memory store has no folder."), name);

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

/// <summary>One empty store for one measured run. Disposing deletes its database files.</summary>
/// <param name="TaskHub">The task hub of the run.</param>
/// <param name="DatabasePath">The SQLite file, or null for the in-memory store.</param>
internal sealed class StoreLocation(string taskHub, string? databasePath) : IDisposable
{
    public string TaskHub { get; } = taskHub;

    public string? DatabasePath { get; } = databasePath;

    private const string MemoryStoreName = "bench";

    private string ConnectionString => $"Data Source={DatabasePath}";

    /// <summary>Durable defaults: UseSqlite with no store option changed; only the task hub and concurrency are set.</summary>
    public void ConfigureWorker(IDurableTaskWorkerBuilder builder, int concurrency)
    {
        void Configure(Engine.PerdureWorkerOptions o)
        {
            o.TaskHub = TaskHub;
            o.Concurrency.MaximumConcurrentOrchestrationWorkItems = concurrency;
            o.Concurrency.MaximumConcurrentActivityWorkItems = concurrency;
        }

        if (DatabasePath is null)
        {
            builder.UseInMemory(MemoryStoreName, Configure);
        }
        else
        {
            builder.UseSqlite(ConnectionString, Configure);
        }
    }

    /// <summary>The client on the same store (the same file and task hub, so it shares the worker's store and writer).</summary>
    public void ConfigureClient(IDurableTaskClientBuilder builder)
    {
        if (DatabasePath is null)
        {
            builder.UseInMemory(MemoryStoreName, o => o.TaskHub = TaskHub);
        }
        else
        {
            builder.UseSqlite(ConnectionString, o => o.TaskHub = TaskHub);
        }
    }

    /// <summary>Bytes of the database and its WAL right now (0 for the in-memory store).</summary>
    public long FileBytes() =>
        DatabasePath is null ? 0 : Files().Where(File.Exists).Sum(f => new FileInfo(f).Length);

    public void Dispose()
    {
        if (DatabasePath is null)
        {
            return;
        }

        foreach (var file in Files())
        {
            File.Delete(file);
        }
    }

    private string[] Files() => [DatabasePath!, DatabasePath + "-wal", DatabasePath + "-shm", DatabasePath + "-journal"];
}
