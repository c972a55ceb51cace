using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Perdure.Storage.Sqlite.Data;

namespace Perdure.Storage.Sqlite.Writer;

/// <summary>
/// The store's only writer: one thread, one connection. Every write is a request on a channel; the loop takes a batch
/// (at most <see cref="SqliteStoreOptions.MaxBatchSize"/>, gathered for at most <see cref="SqliteStoreOptions.BatchWindow"/>)
/// and runs it in one <c>BEGIN IMMEDIATE</c> transaction, each request inside its own savepoint. A request that throws
/// rolls back to its savepoint and gets its error; the others commit. Callers' tasks complete after the COMMIT, and
/// listeners are told what the batch changed after that.
/// </summary>
/// <remarks>
/// Requests that arrive while a batch is being flushed form the next batch, so concurrent steps share one disk flush
/// (group commit). A batch that holds only leases (claims, renewals, abandons) commits with <c>synchronous=NORMAL</c>:
/// losing such a commit to a power failure only makes work claimable again, and the next durable commit flushes it too.
/// </remarks>
internal sealed class SqliteWriter : IDisposable
{
    private readonly Channel<WriteRequest> _channel = Channel.CreateUnbounded<WriteRequest>();
    private readonly SqliteSession _session;
    private readonly WriteContext _context;
    private readonly SqliteStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Action<WriteEffects> _committed;
    private readonly Thread _thread;
    private readonly List<WriteRequest> _batch = [];
    private readonly WriteEffects _batchEffects = new();
    private bool? _synchronousFull;
    private long _transactions;
    private long _requests;

    public SqliteWriter(
        SqliteSession session, string taskHub, SqliteStoreOptions options, TimeProvider time, ILogger logger, Action<WriteEffects> committed)
    {
        _session = session;
        _context = new WriteContext(session, taskHub);
        _options = options;
        _time = time;
        _logger = logger;
        _committed = committed;
        _thread = new Thread(Run) { IsBackground = true, Name = $"Perdure SQLite writer ({taskHub})" };
        _thread.Start();
    }

    /// <summary>How many transactions the writer committed.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>How many requests those transactions carried (failed and cancelled ones included).</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Queues a write; the task completes after the transaction that ran it committed.</summary>
    /// <exception cref="ObjectDisposedException">The store was disposed.</exception>
    public Task<T> EnqueueAsync<T>(bool durable, Func<WriteContext, T> body, CancellationToken cancellationToken)
    {
        var request = new WriteRequest<T>(durable, body, cancellationToken);
        if (!_channel.Writer.TryWrite(request))
        {
            throw new ObjectDisposedException(nameof(SqliteStore), "The SQLite store was disposed; its writer takes no more requests.");
        }

        return request.Task;
    }

    /// <summary>Stops taking requests, lets the queued ones commit, and closes the connection.</summary>
    public void Dispose()
    {
        _channel.Writer.TryComplete();
        if (Thread.CurrentThread != _thread)
        {
            _thread.Join();
        }

        _session.Dispose();
    }

    private void Run()
    {
        var reader = _channel.Reader;
        while (reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
        {
            Gather(reader);
            if (_batch.Count > 0)
            {
                RunBatch();
                _batch.Clear();
            }
        }
    }

    private void Gather(ChannelReader<WriteRequest> reader)
    {
        var max = Math.Max(1, _options.MaxBatchSize);
        while (_batch.Count < max && reader.TryRead(out var request))
        {
            _batch.Add(request);
        }

        if (_options.BatchWindow <= TimeSpan.Zero || _batch.Count >= max)
        {
            return;
        }

        var deadline = Stopwatch.GetTimestamp() + (long)(_options.BatchWindow.TotalSeconds * Stopwatch.Frequency);
        while (_batch.Count < max)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                return;
            }

            using var timeout = new CancellationTokenSource(remaining);
            try
            {
                if (!reader.WaitToReadAsync(timeout.Token).AsTask().GetAwaiter().GetResult())
                {
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }

            while (_batch.Count < max && reader.TryRead(out var request))
            {
                _batch.Add(request);
            }
        }
    }

    private void RunBatch()
    {
        Interlocked.Add(ref _requests, _batch.Count);
        // A request is either told at once (failed or cancelled: nothing of it will commit) or waits for the COMMIT.
        var waiting = new bool[_batch.Count];
        var reached = 0;
        _batchEffects.Clear();
        try
        {
            SetSynchronous(_options.Synchronous == SqliteSynchronous.Full && _batch.Exists(r => r.Durable));
            using var transaction = _session.Connection.BeginTransaction(deferred: false);
            _session.Transaction = transaction;
            try
            {
                for (; reached < _batch.Count; reached++)
                {
                    waiting[reached] = RunRequest(_batch[reached]);
                }

                transaction.Commit();
            }
            finally
            {
                _session.Transaction = null;
            }
        }
        catch (Exception ex)
        {
            // BEGIN, COMMIT or a savepoint rollback failed: nothing of the batch is committed, and every caller hears so.
            Log.BatchFailed(_logger, ex, _batch.Count);
            for (var i = 0; i < _batch.Count; i++)
            {
                if (waiting[i] || i >= reached)
                {
                    _batch[i].Fail(ex);
                }
            }

            return;
        }

        Interlocked.Increment(ref _transactions);
        for (var i = 0; i < _batch.Count; i++)
        {
            if (waiting[i])
            {
                _batch[i].Succeed();
            }
        }

        if (!_batchEffects.IsEmpty)
        {
            try
            {
                _committed(_batchEffects);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Waking listeners must never stop the writer; the safety poll wakes them later.
                Log.SignalFailed(_logger, ex);
            }
        }
    }

    /// <summary>Runs one request in its savepoint; false when it failed or was skipped (its caller was already told).</summary>
    private bool RunRequest(WriteRequest request)
    {
        if (request.CancellationToken.IsCancellationRequested)
        {
            request.Cancel();
            return false;
        }

        // Savepoints run as prepared statements of the session; SqliteTransaction.Save would compile one each time.
        _session.Execute("Writer/Savepoint");
        _context.Effects.Clear();
        _context.Now = _time.GetUtcNow();
        try
        {
            request.Execute(_context);
        }
        catch (Exception ex)
        {
            // Undo only this request; if SQLite already rolled the whole transaction back (I/O error, disk full), this
            // throws and the batch fails as a whole.
            _session.Execute("Writer/RollbackToSavepoint");
            _session.Execute("Writer/Release");
            request.Fail(ex);
            return false;
        }

        _session.Execute("Writer/Release");
        _context.Effects.AddTo(_batchEffects);
        return true;
    }

    private void SetSynchronous(bool full)
    {
        if (_synchronousFull == full)
        {
            return;
        }

        _session.Execute(full ? "Connection/SynchronousFull" : "Connection/SynchronousNormal");
        _synchronousFull = full;
    }
}

