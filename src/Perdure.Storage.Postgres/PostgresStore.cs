using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;
using Perdure.Storage.Postgres.Data;
using Perdure.Storage.Postgres.Schema;
using Perdure.Storage.Postgres.Signals;

namespace Perdure.Storage.Postgres;

/// <summary>
/// <see cref="IPerdureStore"/> on PostgreSQL: many worker processes on many machines share one database. One task hub
/// per instance; many task hubs share one schema.
/// </summary>
/// <remarks>
/// <para>
/// Every request is one transaction on a connection from the store's one <see cref="NpgsqlDataSource"/> (Npgsql's pool).
/// Claims take rows with <c>FOR UPDATE SKIP LOCKED</c> in one statement, so concurrent workers never wait for each other
/// and never claim the same item; renewals, checkpoints, completions and abandons check the caller's lease in the
/// statement that writes, and the unique history key refuses a second commit of the same step.
/// </para><para>
/// The schema is created and migrated on first use (<see cref="CreateTaskHubAsync"/>, or any other call) under
/// <c>pg_advisory_xact_lock</c>; a schema written by a newer Perdure, a server that cannot be reached and a user without
/// the privileges to create the schema are refused with a <see cref="PostgresDatabaseException"/>.
/// </para><para>
/// Commits that create work send a <c>NOTIFY</c> on the task hub's channel inside the committing transaction; every store
/// LISTENs on its own connection and wakes its dispatchers and waiters. While that connection is down the store wakes
/// them every <see cref="PostgresStoreOptions.FallbackPollInterval"/> and reconnects by itself.
/// </para>
/// </remarks>
public sealed partial class PostgresStore : IPerdureStore
{
    /// <summary>How many statements Npgsql prepares per connection unless the connection string says otherwise.</summary>
    private const int AutoPreparedStatements = 64;

    private readonly PostgresStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _channel;
    private readonly WorkSignals _work = new();
    private readonly InstanceSignals _instanceSignals = new();
    private readonly Lock _startGate = new();
    private Task? _started;
    private NotificationListener? _listener;
    private int _disposed;

    /// <summary>Creates a store for one task hub in the schema <see cref="PostgresStoreOptions.Schema"/> names.</summary>
    /// <param name="taskHub">The task hub; letters, digits, '-' and '_' (<see cref="TaskHubName.Validate"/>).</param>
    /// <param name="options">The connection string, schema and settings; copied, later changes have no effect.</param>
    /// <param name="timeProvider">The clock for visibility times, leases and timestamps; the system clock when null.</param>
    /// <param name="loggerFactory">Where logs go; nowhere when null. Also given to Npgsql's data source.</param>
    /// <remarks>Nothing is opened until the first call; <see cref="CreateTaskHubAsync"/> is the place to see start-up errors.</remarks>
    /// <exception cref="ArgumentException">The task hub name, the connection string or an option is not valid.</exception>
    public PostgresStore(string taskHub, PostgresStoreOptions options, TimeProvider? timeProvider = null, ILoggerFactory? loggerFactory = null)
    {
        TaskHubName.Validate(taskHub);
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Clone();
        if (string.IsNullOrWhiteSpace(_options.ConnectionString))
        {
            throw new ArgumentException(
                "PostgresStoreOptions.ConnectionString is empty; give an Npgsql connection string such as " +
                "\"Host=...;Username=...;Password=...;Database=...\".", nameof(options));
        }

        PostgresStoreOptions.ValidateSchema(_options.Schema);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.FallbackPollInterval, TimeSpan.Zero, "options.FallbackPollInterval");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxTransactionRetries, 0, "options.MaxTransactionRetries");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.ReconnectTimeout, TimeSpan.Zero, "options.ReconnectTimeout");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.WriteConnections, 1, "options.WriteConnections");
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxBatchSize, 1, "options.MaxBatchSize");
        NpgsqlConnectionStringBuilder connectionString;
        try
        {
            connectionString = new NpgsqlConnectionStringBuilder(_options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            throw new ArgumentException(
                $"PostgresStoreOptions.ConnectionString is not a valid Npgsql connection string ({ex.Message}).", nameof(options), ex);
        }

        if (connectionString.Pooling && connectionString.MaxPoolSize < 2)
        {
            throw new ArgumentException(
                $"PostgresStoreOptions.ConnectionString allows {connectionString.MaxPoolSize} pooled connection(s); the store " +
                "keeps one of its pool open to LISTEN for other processes' commits and needs at least one more for its " +
                "requests. Set Maximum Pool Size to 2 or more (the default is 100).", nameof(options));
        }

        // The schema reaches statements through the search path, so no statement names it.
        connectionString.SearchPath = _options.Schema;

        // The store runs the same few dozen statements all the time: prepared once per connection, the server parses and
        // plans each once instead of on every call. A connection string that sets Max Auto Prepare (0 turns it off, e.g.
        // behind a pooler without prepared statements) keeps its value.
        if (!SetsOption(_options.ConnectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            connectionString.MaxAutoPrepare = AutoPreparedStatements;
            connectionString.AutoPrepareMinUsages = 2;
        }
        var builder = new NpgsqlDataSourceBuilder(connectionString.ConnectionString);
        if (loggerFactory is not null)
        {
            builder.UseLoggerFactory(loggerFactory);
        }

        _dataSource = builder.Build();
        TaskHub = taskHub;
        Schema = _options.Schema;
        _channel = ChannelOf(_options.Schema, taskHub);
        _time = timeProvider ?? TimeProvider.System;
        _logger = loggerFactory?.CreateLogger<PostgresStore>() ?? NullLogger<PostgresStore>.Instance;
    }

    /// <inheritdoc/>
    public string TaskHub { get; }

    /// <summary>The schema that holds the store's tables.</summary>
    public string Schema { get; }

    /// <summary>The LISTEN/NOTIFY channel of this store's task hub.</summary>
    internal string Channel => _channel;

    /// <summary>The listener of this store once started; for tests.</summary>
    internal NotificationListener? Listener => _listener;

    /// <inheritdoc/>
    /// <remarks>
    /// Connects, creates the schema if missing and applies missing scripts (under <c>pg_advisory_xact_lock</c>, recorded in
    /// <c>PerdureSchemaVersions</c>), then starts listening for other processes' commits. Idempotent; task hubs need no
    /// storage of their own.
    /// </remarks>
    /// <exception cref="PostgresDatabaseException">The database cannot be used; nothing was written to it.</exception>
    public Task CreateTaskHubAsync(CancellationToken cancellationToken) => EnsureStartedAsync();

    /// <inheritdoc/>
    /// <remarks>
    /// Transaction: Entities (one delete, cascading to their states and inboxes), then Instances (one delete, cascading
    /// to everything else the hub owns): entity rows before instance rows, the store's lock order.
    /// </remarks>
    public Task DeleteTaskHubAsync(CancellationToken cancellationToken) =>
        WriteAsync(async session =>
        {
            await using (var entities = session.Command("Entities/DeleteTaskHub"))
            {
                await entities.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }

            await using var command = session.Command("Instances/DeleteTaskHub");
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            session.AllInstances = true;
            return true;
        }, WriteOrder.Alone, cancellationToken);

    /// <inheritdoc/>
    /// <remarks>Completes after a commit of this process, or a NOTIFY of another's, that made work of the kind visible.</remarks>
    public Task WhenWorkAvailable(WorkItemKind kind) => _work.When(kind);

    /// <inheritdoc/>
    public async Task<DateTimeOffset?> GetNextWorkDueAsync(WorkItemKind kind, CancellationToken cancellationToken)
    {
        var statement = kind switch
        {
            WorkItemKind.Orchestration => "Reads/NextOrchestrationDue",
            WorkItemKind.Activity => "Reads/NextActivityDue",
            WorkItemKind.Entity => "Entities/NextDue",
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kind of work item."),
        };
        var now = _time.GetUtcNow();
        return await ReadAsync(async session =>
        {
            await using var command = session.Command(statement).With("@Now", now);
            return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ticks
                ? PgCommandExtensions.ToTime(ticks)
                : (DateTimeOffset?)null;
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Woken by this process's commits that change the instance and by NOTIFY from other processes that name it; while
    /// the LISTEN connection is down, every <see cref="PostgresStoreOptions.FallbackPollInterval"/>. The condition runs on
    /// the caller's side; an exception it throws fails this call only.
    /// </remarks>
    public async Task<InstanceState?> WaitForInstanceAsync(
        string instanceId, Func<InstanceState?, bool> condition, bool includePayloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        ArgumentNullException.ThrowIfNull(condition);
        await EnsureStartedAsync().ConfigureAwait(false);

        // A checkpoint of this store hands over the row it wrote; other changes (creation, purge, another process's
        // commits) cost a read, batched with the other waiters' reads (PostgresStore.WaiterReads.cs).
        return await _instanceSignals.WaitAsync(
            instanceId, condition, includePayloads, ct => ReadForWaiterAsync(instanceId, includePayloads, ct), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public Task<InstanceState?> GetInstanceAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return ReadAsync(async session =>
        {
            await using var command = session.Command(includePayloads ? "Reads/SelectInstancesWithPayloads" : "Reads/SelectInstances")
                .With("@InstanceIds", new[] { instanceId });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? InstanceRow.Read(reader, includePayloads) : null;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1, nameof(query));
        var after = ContinuationToken.Decode(query.ContinuationToken) ?? "";
        int[]? statuses = query.Statuses is { Count: > 0 } s ? [.. s.Select(x => (int)x)] : null;
        return ReadAsync(async session =>
        {
            await using var command = session.Command(query.IncludePayloads ? "Reads/QueryInstancesWithPayloads" : "Reads/QueryInstances")
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
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
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
        var rows = await ReadAsync(async session =>
        {
            var json = new List<string>();
            await using var command = session.Command("Reads/SelectHistory").With("@InstanceId", instanceId);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                json.Add(reader.GetString(0));
            }

            return json;
        }, cancellationToken).ConfigureAwait(false);
        return rows.ConvertAll(StoredJson.DeserializeEvent);
    }

    /// <inheritdoc/>
    /// <remarks>Stops listening and closes the data source with its pooled connections. Calls after this throw <see cref="ObjectDisposedException"/>.</remarks>
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
                // A store that never started has nothing to stop.
            }
        }

        await StopLanesAsync().ConfigureAwait(false);
        if (_listener is { } listener)
        {
            await listener.DisposeAsync().ConfigureAwait(false);
        }

        await _dataSource.DisposeAsync().ConfigureAwait(false);
        _instanceSignals.SignalAll();
    }

    /// <summary>Whether <paramref name="connectionString"/> names the option under any of its names (case-insensitive).</summary>
    private static bool SetsOption(string connectionString, params string[] names)
    {
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return names.Any(given.ContainsKey);
    }

    /// <summary>
    /// The channel of a task hub: "perdure_" and 32 hex digits of a hash of schema and hub, because channel names are
    /// identifiers of at most 63 bytes and the two names together may be longer.
    /// </summary>
    internal static string ChannelOf(string schema, string taskHub)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(schema + "\n" + taskHub));
        return "perdure_" + Convert.ToHexStringLower(hash, 0, 16);
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
            // A failed start is not remembered: the next call tries again (the server may be back meanwhile).
            if (_started is null || _started.IsFaulted || _started.IsCanceled)
            {
                _started = Task.Run(StartAsync);
            }

            return _started;
        }
    }

    private async Task StartAsync()
    {
        var version = await PostgresSchema.PrepareAsync(_dataSource, Schema, _time, _logger, CancellationToken.None).ConfigureAwait(false);
        if (_listener is null)
        {
            var listener = new NotificationListener(
                _dataSource, _channel, _options.FallbackPollInterval, _logger, OnNotification, OnChangesMissed);
            _listener = listener;
            await listener.Started.ConfigureAwait(false);
        }

        Log.Opened(_logger, Schema, TaskHub, version);
    }

    /// <summary>Runs a read on a pooled connection; a broken connection is replaced and the read runs again, as in <see cref="RunAloneAsync"/>.</summary>
    private async Task<T> ReadAsync<T>(Func<PgSession, Task<T>> read, CancellationToken cancellationToken)
    {
        await EnsureStartedAsync().ConfigureAwait(false);
        var started = Stopwatch.GetTimestamp();
        for (var attempt = 1; ; attempt++)
        {
            TimeSpan pause;
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    return await read(new PgSession(connection, null, TaskHub, _time.GetUtcNow())).ConfigureAwait(false);
                }
            }
            catch (NpgsqlException ex) when (ShouldRetry(ex, attempt, started, out pause))
            {
            }

            if (pause > TimeSpan.Zero)
            {
                await Task.Delay(pause, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Whether a request that failed with <paramref name="exception"/> on its <paramref name="attempt"/>th try runs again,
    /// and after what <paramref name="pause"/>. Conflicts with other transactions (deadlock, serialization failure, a
    /// row inserted or deleted first) run again at once, at most <see cref="PostgresStoreOptions.MaxTransactionRetries"/>
    /// times. A connection that could not be opened or broke runs again after a pause that doubles from 50 ms to 1 s,
    /// until <see cref="PostgresStoreOptions.ReconnectTimeout"/> has passed since the request began: long enough for a
    /// server restart, after which the failure reaches the caller. A broken connection also empties the pool's idle
    /// connections, which most likely broke with it.
    /// </summary>
    private bool ShouldRetry(NpgsqlException exception, int attempt, long started, out TimeSpan pause)
    {
        pause = TimeSpan.Zero;
        if (!IsRetryable(exception))
        {
            return false;
        }

        if (exception is PostgresException
            {
                SqlState: PostgresErrorCodes.DeadlockDetected or PostgresErrorCodes.SerializationFailure
                    or PostgresErrorCodes.UniqueViolation or PostgresErrorCodes.ForeignKeyViolation,
            } conflict)
        {
            if (attempt > _options.MaxTransactionRetries)
            {
                return false;
            }

            Log.TransactionRetried(_logger, conflict.SqlState, attempt);
            return true;
        }

        if (Stopwatch.GetElapsedTime(started) >= _options.ReconnectTimeout)
        {
            return false;
        }

        Log.ConnectionRetried(_logger, exception, attempt);
        _dataSource.Clear();
        pause = TimeSpan.FromMilliseconds(Math.Min(50 * Math.Pow(2, Math.Min(attempt - 1, 10)), 1000));
        return true;
    }

    private static bool IsRetryable(NpgsqlException exception) => exception switch
    {
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } ex => ex.ConstraintName == "instances_key",
        PostgresException { SqlState: PostgresErrorCodes.ForeignKeyViolation } => true,
        PostgresException ex => ex.IsTransient,
        _ => exception.IsTransient,
    };

    private void OnCommitted(PgSession session)
    {
        if (session.OrchestrationWork)
        {
            _work.Signal(WorkItemKind.Orchestration);
        }

        if (session.ActivityWork)
        {
            _work.Signal(WorkItemKind.Activity);
        }

        if (session.EntityWork)
        {
            _work.Signal(WorkItemKind.Entity);
        }

        if (session.AllInstances)
        {
            _instanceSignals.SignalAll();
        }
        else if (session.Instances.Count > 0)
        {
            _instanceSignals.Signal(session.Instances);
        }
    }

    private void OnNotification(string payload)
    {
        var notification = NotificationPayload.Parse(payload);
        if (string.Equals(notification.Sender, _storeId, StringComparison.Ordinal))
        {
            return;
        }

        if (notification.OrchestrationWork)
        {
            _work.Signal(WorkItemKind.Orchestration);
        }

        if (notification.ActivityWork)
        {
            _work.Signal(WorkItemKind.Activity);
        }

        if (notification.EntityWork)
        {
            _work.Signal(WorkItemKind.Entity);
        }

        if (notification.Instances is { } instances)
        {
            _instanceSignals.Signal(instances);
        }
        else
        {
            _instanceSignals.SignalAll();
        }
    }

    private void OnChangesMissed()
    {
        _work.Signal(WorkItemKind.Orchestration);
        _work.Signal(WorkItemKind.Activity);
        _work.Signal(WorkItemKind.Entity);
        _instanceSignals.SignalAll();
    }
}
