using Perdure.Core;
using Perdure.Storage.Postgres.Data;

namespace Perdure.Storage.Postgres;

// Reads for WaitForInstanceAsync, batched. A waiter reads its instance when it starts and each time it is told to read
// again: another process committed a change to it (NOTIFY), or this store changed it in a way it cannot hand over. One
// NOTIFY names every instance of a group commit, so many waiters wake at once; each used to make a round trip and a
// transaction of its own (with worker processes apart from the client, about 2.3 of the 3 transactions per W1 step).
// Now the waiters that need a read while none is running go together in one statement, and those that come while one
// runs go together in the next, so every waiter's read starts after it was told to read and sees that change.
public sealed partial class PostgresStore
{
    private readonly Lock _waiterReadGate = new();
    private List<WaiterRead>? _queuedWaiterReads;
    private bool _waiterReadsRunning;
    private long _waiterReadBatches;

    /// <summary>How many batched waiter reads ran (each one statement for all the waiters in it); for tests.</summary>
    internal long WaiterReadBatches => Interlocked.Read(ref _waiterReadBatches);

    /// <summary>Reads the instance for a waiter, in the next batch of waiter reads; null when it does not exist.</summary>
    private Task<InstanceState?> ReadForWaiterAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken)
    {
        var read = new WaiterRead(instanceId, includePayloads);
        bool start;
        lock (_waiterReadGate)
        {
            (_queuedWaiterReads ??= []).Add(read);
            start = !_waiterReadsRunning;
            _waiterReadsRunning = true;
        }

        if (start)
        {
            // Not in this waiter's execution context: the loop serves every waiter (an ambient transaction or activity
            // of the first caller must not reach the others' reads).
            using (ExecutionContext.SuppressFlow())
            {
                _ = Task.Run(RunWaiterReadsAsync, CancellationToken.None);
            }
        }

        return read.Result.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Runs batches until no waiter waits for a read; only one runs at a time.</summary>
    private async Task RunWaiterReadsAsync()
    {
        while (true)
        {
            List<WaiterRead> batch;
            lock (_waiterReadGate)
            {
                if (_queuedWaiterReads is null)
                {
                    _waiterReadsRunning = false;
                    return;
                }

                batch = _queuedWaiterReads;
                _queuedWaiterReads = null;
            }

            try
            {
                var rows = await ReadWaitedInstancesAsync(batch).ConfigureAwait(false);
                Interlocked.Increment(ref _waiterReadBatches);
                foreach (var read in batch)
                {
                    read.Result.TrySetResult(rows.TryGetValue(read.InstanceId, out var row)
                        ? (read.IncludePayloads ? row : row with { Input = null, Output = null, CustomStatus = null })
                        : null);
                }
            }
            catch (Exception ex)
            {
                // Each waiter meets the failure its own read would have met (retries for a broken connection included);
                // none is left waiting, and the loop goes on for the next batch. A waiter that stopped waiting (its token)
                // no longer looks at the result, so the failure is marked observed.
                foreach (var read in batch)
                {
                    read.Result.TrySetException(ex);
                    _ = read.Result.Task.Exception;
                }
            }
        }
    }

    private Task<Dictionary<string, InstanceState>> ReadWaitedInstancesAsync(List<WaiterRead> batch)
    {
        var ids = batch.Select(r => r.InstanceId).Distinct(StringComparer.Ordinal).ToArray();
        var withPayloads = batch.Exists(r => r.IncludePayloads);

        // Not cancellable: the batch serves waiters whose tokens differ; each waiter stops waiting on its own token.
        return ReadAsync(async session =>
        {
            await using var command = session.Command(withPayloads ? "Reads/SelectInstancesWithPayloads" : "Reads/SelectInstances")
                .With("@InstanceIds", ids);
            await using var reader = await command.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false);
            var rows = new Dictionary<string, InstanceState>(ids.Length, StringComparer.Ordinal);
            while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
            {
                var row = InstanceRow.Read(reader, withPayloads);
                rows[row.InstanceId] = row;
            }

            return rows;
        }, CancellationToken.None);
    }

    /// <summary>One waiter's request for a read, completed by the batch that served it.</summary>
    private sealed class WaiterRead(string instanceId, bool includePayloads)
    {
        public string InstanceId { get; } = instanceId;

        public bool IncludePayloads { get; } = includePayloads;

        public TaskCompletionSource<InstanceState?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
