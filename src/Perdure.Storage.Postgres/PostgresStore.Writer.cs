using System.Diagnostics;
using System.Threading.Channels;
using Npgsql;
using Perdure.Storage.Postgres.Data;
using Perdure.Storage.Postgres.Signals;

namespace Perdure.Storage.Postgres;

// Group commit: every write request (claim, checkpoint, completion, intake, ...) is queued, and a few writer lanes, each
// on a connection of its own, take whatever queued while they were busy and run it as one transaction: one COMMIT, one
// NOTIFY and one wait for the disk for the whole group, and a bounded number of connections however many requests
// arrive at once. A request alone in the queue runs at once, so an idle store adds no latency.
public sealed partial class PostgresStore
{
    private readonly Channel<WriteRequest> _writes = System.Threading.Channels.Channel.CreateUnbounded<WriteRequest>(
        new UnboundedChannelOptions { SingleReader = false, SingleWriter = false });

    /// <summary>This store's id in its notifications, so that it skips its own (it woke its dispatchers when it committed).</summary>
    private readonly string _storeId = Guid.NewGuid().ToString("N");

    private Task[]? _lanes;
    private long _groupedRequests;
    private long _groupsSplit;

    /// <summary>Requests committed together with at least one other; for tests.</summary>
    internal long GroupedRequests => Interlocked.Read(ref _groupedRequests);

    /// <summary>Groups rolled back and split into requests run alone; for tests.</summary>
    internal long GroupsSplit => Interlocked.Read(ref _groupsSplit);

    /// <summary>
    /// Runs <paramref name="body"/> in a transaction, alone or grouped with other requests that queued meanwhile, and
    /// returns its result once that transaction committed; then this process's dispatchers and waiters are woken.
    /// </summary>
    /// <remarks>
    /// <paramref name="order"/> says which row the request locks, so a group can take its requests' locks in the store's
    /// lock order (<see cref="WriteOrder"/>); a request that locks several rows, or rows it cannot name up front, runs
    /// alone. Every body is a pure function of its prepared input and may run more than once: when any request of a group fails
    /// before COMMIT is sent (a lost lease, a duplicate, a conflict, a broken connection), the group is rolled back and
    /// each of its requests runs again alone (<see cref="RunAloneAsync"/>), so one request's failure reaches only its
    /// own caller. A failure during COMMIT reaches every caller of the group: the transaction may have committed.
    /// </remarks>
    private Task<T> WriteAsync<T>(Func<PgSession, Task<T>> body, WriteOrder order, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        EnsureLanes();
        var request = new WriteRequest<T>(body, order, cancellationToken);
        ObjectDisposedException.ThrowIf(!_writes.Writer.TryWrite(request), this);

        return request.Task;
    }

    private void EnsureLanes()
    {
        if (Volatile.Read(ref _lanes) is not null)
        {
            return;
        }

        lock (_startGate)
        {
            _lanes ??= [.. Enumerable.Range(0, _options.WriteConnections).Select(_ => Task.Run(RunLaneAsync))];
        }
    }

    /// <summary>Stops taking requests and waits until the lanes have finished what was queued.</summary>
    private async Task StopLanesAsync()
    {
        _writes.Writer.TryComplete();
        Task[]? lanes;
        lock (_startGate)
        {
            lanes = _lanes;
        }

        if (lanes is not null)
        {
            await Task.WhenAll(lanes).ConfigureAwait(false);
        }
    }

    private async Task RunLaneAsync()
    {
        var group = new List<WriteRequest>(_options.MaxBatchSize);
        var alone = new List<WriteRequest>();
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            group.Clear();
            while (group.Count < _options.MaxBatchSize && reader.TryRead(out var request))
            {
                if (request.CancellationToken.IsCancellationRequested)
                {
                    request.Cancel();
                }
                else
                {
                    group.Add(request);
                }
            }

            // Requests that lock several rows run alone, each taking its locks in the store's order itself; the others are
            // sorted so that the group takes its locks in that order too (entities by id, then instances by id, claims last).
            alone.Clear();
            for (var i = group.Count - 1; i >= 0; i--)
            {
                if (group[i].Order.RunsAlone)
                {
                    alone.Add(group[i]);
                    group.RemoveAt(i);
                }
            }

            if (group.Count == 1)
            {
                await RunAloneAsync(group[0]).ConfigureAwait(false);
            }
            else if (group.Count > 1)
            {
                group.Sort(static (a, b) => a.Order.CompareTo(b.Order));
                await RunGroupAsync(group).ConfigureAwait(false);
            }

            for (var i = alone.Count - 1; i >= 0; i--)
            {
                await RunAloneAsync(alone[i]).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Runs the requests in one transaction. If any fails before COMMIT is sent, everything is rolled back and each runs
    /// again alone; if COMMIT itself fails, every request gets that failure.
    /// </summary>
    private async Task RunGroupAsync(List<WriteRequest> group)
    {
        var sessions = new PgSession[group.Count];
        var committing = false;
        try
        {
            await EnsureStartedAsync().ConfigureAwait(false);
            var connection = await _dataSource.OpenConnectionAsync(CancellationToken.None).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = await connection.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var now = _time.GetUtcNow();
                    var all = new PgSession(connection, transaction, TaskHub, now);
                    for (var i = 0; i < group.Count; i++)
                    {
                        sessions[i] = new PgSession(connection, transaction, TaskHub, now);
                        await group[i].RunAsync(sessions[i]).ConfigureAwait(false);
                        all.Include(sessions[i]);
                    }

                    await NotifyAsync(all, CancellationToken.None).ConfigureAwait(false);
                    committing = true;
                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    Log.GroupCommitted(_logger, group.Count);
                    Interlocked.Add(ref _groupedRequests, group.Count);
                    OnCommitted(all);
                }
            }
        }
        catch (Exception ex) when (committing)
        {
            foreach (var request in group)
            {
                request.Fail(ex);
            }

            return;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Nothing of the group was written. Each request runs again alone and meets its own outcome: most commit,
            // the one that failed fails again (or succeeds, if it lost only a race with another request of the group).
            Log.GroupSplit(_logger, group.Count, ex);
            Interlocked.Increment(ref _groupsSplit);
            foreach (var request in group)
            {
                await RunAloneAsync(request).ConfigureAwait(false);
            }

            return;
        }

        foreach (var request in group)
        {
            request.Complete();
        }
    }

    /// <summary>
    /// Runs one request in a transaction of its own and completes it. A transaction that fails before its COMMIT was sent
    /// runs again from the start when the failure says nothing about the request itself (<see cref="ShouldRetry"/>): a
    /// deadlock, a serialization conflict, a row a concurrent transaction inserted or deleted first (at once, at most
    /// <see cref="PostgresStoreOptions.MaxTransactionRetries"/> times), or a connection that could not be opened or broke
    /// (the server restarting, a terminated backend, a network failure: with a growing pause, for up to
    /// <see cref="PostgresStoreOptions.ReconnectTimeout"/>). A failure during COMMIT is never retried: the transaction may
    /// have committed, and the caller must be told. Any other error rolls back and reaches the caller.
    /// </summary>
    private async Task RunAloneAsync(WriteRequest request)
    {
        try
        {
            await EnsureStartedAsync().ConfigureAwait(false);
            var started = Stopwatch.GetTimestamp();
            for (var attempt = 1; ; attempt++)
            {
                var committing = false;
                TimeSpan pause;
                try
                {
                    var connection = await _dataSource.OpenConnectionAsync(request.CancellationToken).ConfigureAwait(false);
                    await using (connection.ConfigureAwait(false))
                    {
                        var transaction = await connection.BeginTransactionAsync(request.CancellationToken).ConfigureAwait(false);
                        await using (transaction.ConfigureAwait(false))
                        {
                            var session = new PgSession(connection, transaction, TaskHub, _time.GetUtcNow());
                            await request.RunAsync(session).ConfigureAwait(false);
                            await NotifyAsync(session, request.CancellationToken).ConfigureAwait(false);

                            // Once COMMIT is sent its outcome is the server's; cancelling it would leave the caller unsure.
                            committing = true;
                            await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                            OnCommitted(session);
                            request.Complete();
                            return;
                        }
                    }
                }
                catch (NpgsqlException ex) when (!committing && ShouldRetry(ex, attempt, started, out pause))
                {
                }

                if (pause > TimeSpan.Zero)
                {
                    await Task.Delay(pause, request.CancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            request.Fail(ex);
        }
    }

    /// <summary>Announces the transaction's changes to every store on the task hub; delivered only if it commits.</summary>
    private async Task NotifyAsync(PgSession session, CancellationToken cancellationToken)
    {
        if (NotificationPayload.Of(session, _storeId) is { } payload)
        {
            await using var notify = session.Command("Notify/Work").With("@Channel", _channel).With("@Payload", payload);
            await notify.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>A queued write: its body, its caller's cancellation, and the result handed over after COMMIT.</summary>
    private abstract class WriteRequest(WriteOrder order, CancellationToken cancellationToken)
    {
        public WriteOrder Order { get; } = order;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        /// <summary>Runs the body in <paramref name="session"/>'s transaction and keeps its result until commit.</summary>
        public abstract Task RunAsync(PgSession session);

        /// <summary>The transaction committed: hands the kept result to the caller.</summary>
        public abstract void Complete();

        public abstract void Fail(Exception exception);

        public abstract void Cancel();
    }

    private sealed class WriteRequest<T>(Func<PgSession, Task<T>> body, WriteOrder order, CancellationToken cancellationToken)
        : WriteRequest(order, cancellationToken)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T? _result;

        public Task<T> Task => _completion.Task;

        public override async Task RunAsync(PgSession session) => _result = await body(session).ConfigureAwait(false);

        public override void Complete() => _completion.TrySetResult(_result!);

        public override void Fail(Exception exception)
        {
            if (exception is OperationCanceledException && CancellationToken.IsCancellationRequested)
            {
                _completion.TrySetCanceled(CancellationToken);
            }
            else
            {
                _completion.TrySetException(exception);
            }
        }

        public override void Cancel() => _completion.TrySetCanceled(CancellationToken);
    }

    /// <summary>
    /// Where a write request's row locks fall in the store's lock order (entity rows by id, then instance rows by id;
    /// see docs/storage-postgres.md), so that the requests of a group, sorted by it, lock in that order as one transaction
    /// and two groups never wait for each other in a circle.
    /// </summary>
    /// <remarks>
    /// A request placed at an entity or an instance locks that one row (and, for activity requests, first the row of one
    /// of that instance's activity tasks: <paramref name="TaskRowFirst"/> puts those before the instance's other requests,
    /// as in the order "an activity's own task row before the instance"). Claims take rows with SKIP LOCKED and never
    /// wait, so they go last. Everything else runs alone.
    /// </remarks>
    internal readonly record struct WriteOrder(int Rank, string? Key, bool TaskRowFirst) : IComparable<WriteOrder>
    {
        private const int AloneRank = -1;

        /// <summary>Locks several rows, or rows it cannot name up front: a transaction of its own.</summary>
        public static WriteOrder Alone { get; } = new(AloneRank, null, false);

        /// <summary>Takes rows with SKIP LOCKED: never waits, so last in a group.</summary>
        public static WriteOrder Claim { get; } = new(2, null, false);

        public bool RunsAlone => Rank == AloneRank;

        /// <summary>Locks the row of one entity.</summary>
        public static WriteOrder Entity(string entityId) => new(0, entityId, false);

        /// <summary>Locks the row of one instance.</summary>
        public static WriteOrder Instance(string instanceId) => new(1, instanceId, false);

        /// <summary>Locks the row of one of an instance's activity tasks, and then perhaps the instance's.</summary>
        public static WriteOrder Activity(string instanceId) => new(1, instanceId, true);

        public int CompareTo(WriteOrder other)
        {
            var byRank = Rank.CompareTo(other.Rank);
            if (byRank != 0)
            {
                return byRank;
            }

            var byKey = string.CompareOrdinal(Key, other.Key);
            return byKey != 0 ? byKey : other.TaskRowFirst.CompareTo(TaskRowFirst);
        }
    }
}
