using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;
using Perdure.Storage.Sqlite.Data;
using Perdure.Storage.Sqlite.Schema;
using Perdure.Storage.Sqlite.Signals;
using Perdure.Storage.Sqlite.Writer;

namespace Perdure.Storage.Sqlite;

/// <summary>
/// <see cref="IPerdureStore"/> on a SQLite file: the durable embedded default. One task hub per instance; many task hubs
/// and many processes may share one file.
/// </summary>
/// <remarks>
/// <para>
/// The file runs in WAL mode. Every write (intake, claims, renewals, checkpoints, completions, abandons, purges) goes
/// through one writer loop per store that commits concurrent requests together in one transaction (group commit), each
/// request in its own savepoint so that one failing request fails alone. With the default
/// <see cref="SqliteSynchronous.Full"/>, a call that wrote durable work returns only after its commit reached the disk.
/// Reads use their own connections and never wait for the writer.
/// </para><para>
/// The schema is applied on first use (<see cref="CreateTaskHubAsync"/>, or any other call): a file that cannot be
/// opened, is read-only, is not SQLite, belongs to another application or was written by a newer Perdure is refused with
/// a <see cref="SqliteDatabaseException"/>, and nothing is written to it.
/// </para><para>
/// Several processes may use one file: SQLite lets one writer commit at a time and every lease is checked inside the
/// committing transaction. Commits of this process wake its dispatchers and waiters at once; commits of other processes
/// are noticed within <see cref="SqliteStoreOptions.SafetyPollInterval"/>.
/// </para>
/// </remarks>
public sealed partial class SqliteStore : IPerdureStore
{
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SqliteConnections _connections;
    private readonly WorkSignals _work = new();
    private readonly InstanceSignals _instanceSignals = new();
    private readonly Lock _startGate = new();
    private Task? _started;
    private Running? _running;
    private int _disposed;

    /// <summary>Creates a store for one task hub of the database <see cref="SqliteStoreOptions.ConnectionString"/> names.</summary>
    /// <param name="taskHub">The task hub; letters, digits, '-' and '_' (<see cref="TaskHubName.Validate"/>).</param>
    /// <param name="options">The connection string and the writer's settings; copied, later changes have no effect.</param>
    /// <param name="timeProvider">The clock for visibility times, leases and timestamps; the system clock when null.</param>
    /// <param name="loggerFactory">Where logs go; nowhere when null.</param>
    /// <remarks>Nothing is opened until the first call; <see cref="CreateTaskHubAsync"/> is the place to see start-up errors.</remarks>
    /// <exception cref="ArgumentException">The task hub name or an option is not valid.</exception>
    public SqliteStore(string taskHub, SqliteStoreOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        TaskHubName.Validate(taskHub);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        if (string.IsNullOrWhiteSpace(_options.ConnectionString))
        {
            throw new ArgumentException("SqliteStoreOptions.ConnectionString is empty; give one such as \"Data Source=perdure.db\".", nameof(options));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBatchSize, 1, "options.MaxBatchSize");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BatchWindow, TimeSpan.Zero, "options.BatchWindow");
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.SafetyPollInterval, TimeSpan.Zero, "options.SafetyPollInterval");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.BusyTimeout, TimeSpan.Zero, "options.BusyTimeout");
        TaskHub = taskHub;
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory?.CreateLogger<SqliteStore>() ?? NullLogger<SqliteStore>.Instance;
        _connections = new SqliteConnections(_options.ConnectionString, _options.BusyTimeout);
    }

    /// <inheritdoc/>
    public string TaskHub { get; }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath => _connections.DatabasePath;

    /// <summary>How many transactions this store's writer committed (for tests and diagnostics).</summary>
    internal long CommittedTransactions => _running?.Writer.Transactions ?? 0;

    /// <summary>How many write requests this store's writer ran (for tests and diagnostics).</summary>
    internal long WriteRequests => _running?.Writer.Requests ?? 0;

    /// <inheritdoc/>
    /// <remarks>
    /// Checks the file and applies missing schema scripts (under <c>BEGIN IMMEDIATE</c>, recorded in
    /// <c>PerdureSchemaVersions</c>), then starts the writer. Idempotent; task hubs need no storage of their own.
    /// </remarks>
    /// <exception cref="SqliteDatabaseException">The database cannot be used; nothing was written to it.</exception>
    public Task CreateTaskHubAsync(CancellationToken cancellationToken) => EnsureStartedAsync();

    /// <inheritdoc/>
    public Task DeleteTaskHubAsync(CancellationToken cancellationToken) =>
        WriteAsync(durable: true, context =>
        {
            context.Command("Instances/DeleteTaskHub").ExecuteNonQuery();
            context.Command("Entities/DeleteTaskHub").ExecuteNonQuery();
            context.Effects.AllInstances = true;
            return true;
        }, cancellationToken);

    /// <inheritdoc/>
    public Task WhenWorkAvailable(WorkItemKind kind) => _work.When(kind);

    /// <inheritdoc/>
    public Task<DateTimeOffset?> GetNextWorkDueAsync(WorkItemKind kind, CancellationToken cancellationToken)
    {
        var statement = kind switch
        {
            WorkItemKind.Orchestration => "Reads/NextOrchestrationDue",
            WorkItemKind.Activity => "Reads/NextActivityDue",
            WorkItemKind.Entity => "Entities/NextDue",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kind of work item."),
        };
        var now = _time.GetUtcNow();
        return ReadAsync(session =>
        {
            var due = session.Command(statement).With("@TaskHub", TaskHub).With("@Now", now).ExecuteScalar();
            return due is long ticks ? SqliteCommandExtensions.ToTime(ticks) : (DateTimeOffset?)null;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Woken by this process's commits that change the instance, and at most every
    /// <see cref="SqliteStoreOptions.SafetyPollInterval"/> when another process may have changed it. The condition runs
    /// on the caller's side; an exception it throws fails this call only.
    /// </remarks>
    public async Task<InstanceState?> WaitForInstanceAsync(
        string instanceId, Func<InstanceState?, bool> condition, bool includePayloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        ArgumentNullException.ThrowIfNull(condition);
        await EnsureStartedAsync().ConfigureAwait(false);

        // A checkpoint hands over the row it wrote; only other changes (creation, purge, another process) cost a read.
        return await _instanceSignals.WaitAsync(
            instanceId, condition, includePayloads, ct => GetInstanceAsync(instanceId, includePayloads, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<InstanceState?> GetInstanceAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return ReadAsync(session => ReadInstance(session, instanceId, includePayloads), cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = ContinuationToken.Decode(query.ContinuationToken) ?? "";
        var statuses = query.Statuses is { Count: > 0 } s ? StoredJson.Array(s.Select(x => (int)x)) : null;
        return ReadAsync(session =>
        {
            var command = session.Command(query.IncludePayloads ? "Reads/QueryInstancesWithPayloads" : "Reads/QueryInstances")
                .With("@TaskHub", TaskHub)
                .With("@After", after)
                .With("@Prefix", query.InstanceIdPrefix ?? "")
                .With("@Statuses", statuses)
                .With("@CreatedFrom", query.CreatedFrom)
                .With("@CreatedTo", query.CreatedTo)
                .With("@CompletedFrom", query.CompletedFrom)
                .With("@CompletedTo", query.CompletedTo)
                .With("@Name", query.Name)
                .With("@Limit", query.PageSize + 1L);
            var page = new List<InstanceState>();
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    page.Add(InstanceRow.Read(reader, query.IncludePayloads));
                }
            }

            string? next = null;
            if (page.Count > query.PageSize)
            {
                page.RemoveAt(page.Count - 1);
                next = ContinuationToken.Encode(page[^1].InstanceId);
            }

            return new InstancePage(page, next);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public async Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        var rows = await ReadAsync(session =>
        {
            var json = new List<string>();
            using var reader = session.Command("Reads/SelectHistory").With("@TaskHub", TaskHub).With("@InstanceId", instanceId).ExecuteReader();
            while (reader.Read())
            {
                json.Add(reader.GetString(0));
            }

            return json;
        }, cancellationToken).ConfigureAwait(false);
        return rows.ConvertAll(StoredJson.DeserializeEvent);
    }

    /// <inheritdoc/>
    /// <remarks>Lets writes already queued commit, then closes every connection. Calls after this throw <see cref="ObjectDisposedException"/>.</remarks>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Task? started;
        lock (_startGate)
        {
            started = _started;
        }

        if (started is not null)
        {
            try
            {
                await started.ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A store that never started has nothing to close.
            }
        }

        if (_running is { } running)
        {
            await running.Watcher.DisposeAsync().ConfigureAwait(false);
            await Task.Run(running.Writer.Dispose).ConfigureAwait(false);
            running.Readers.Dispose();
        }

        _instanceSignals.SignalAll();
    }

    private Task EnsureStartedAsync()
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        var started = Volatile.Read(ref _started);
        if (started is { IsCompletedSuccessfully: true })
        {
            return started;
        }

        lock (_startGate)
        {
            // A failed start is not remembered: the next call tries again (the file may have been fixed meanwhile).
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                _started = Task.Run(Start);
            }

            return _started;
        }
    }

    private void Start()
    {
        var version = SqliteSchema.Prepare(_connections, _time, _logger);
        SqliteWriter? writer = null;
        ReaderPool? readers = null;
        try
        {
            writer = new SqliteWriter(_connections.OpenWriter(), TaskHub, _options, _time, _logger, OnCommitted);
            readers = new ReaderPool(_connections);
            var watcher = new ExternalChangeWatcher(
                _connections.OpenReader(), _options.SafetyPollInterval, _time, OnExternalChange, _logger, DatabasePath);
            _running = new Running(writer, readers, watcher);
        }
        catch
        {
            writer?.Dispose();
            readers?.Dispose();
            throw;
        }

        Log.Opened(_logger, DatabasePath, TaskHub, version, _options.Synchronous);
    }

    private async Task<T> WriteAsync<T>(bool durable, Func<WriteContext, T> body, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync().ConfigureAwait(false);
        return await _running!.Writer.EnqueueAsync(durable, body, cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> ReadAsync<T>(Func<SqliteSession, T> read, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync().ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return _running!.Readers.Read(read);
    }

    private InstanceState? ReadInstance(SqliteSession session, string instanceId, bool includePayloads)
    {
        using var reader = session.Command(includePayloads ? "Reads/SelectInstanceWithPayloads" : "Reads/SelectInstance")
            .With("@TaskHub", TaskHub)
            .With("@InstanceId", instanceId)
            .ExecuteReader();
        return reader.Read() ? InstanceRow.Read(reader, includePayloads) : null;
    }

    private void OnCommitted(WriteEffects effects)
    {
        if (effects.OrchestrationWork)
        {
            _work.Signal(WorkItemKind.Orchestration);
        }

        if (effects.ActivityWork)
        {
            _work.Signal(WorkItemKind.Activity);
        }

        if (effects.EntityWork)
        {
            _work.Signal(WorkItemKind.Entity);
        }

        if (effects.AllInstances)
        {
            _instanceSignals.SignalAll();
        }
        else if (effects.Instances.Count > 0)
        {
            _instanceSignals.Signal(effects.Instances);
        }
    }

    private void OnExternalChange()
    {
        _work.Signal(WorkItemKind.Orchestration);
        _work.Signal(WorkItemKind.Activity);
        _work.Signal(WorkItemKind.Entity);
        _instanceSignals.SignalAll();
    }

    /// <summary>What exists once the store has started.</summary>
    private sealed record Running(SqliteWriter Writer, ReaderPool Readers, ExternalChangeWatcher Watcher);
}
