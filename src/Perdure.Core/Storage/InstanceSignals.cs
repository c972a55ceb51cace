namespace Perdure.Core.Storage;

/// <summary>
/// Per-instance change notifications for <see cref="Core.Storage.IPerdureStore.WaitForInstanceAsync"/>. A waiter
/// subscribes before it first reads the instance and stays subscribed until it returns, so no commit between its read
/// and its wait goes unseen. A commit that knows the row it wrote (a checkpoint) hands that row to the waiters, who then
/// need no read; any other change tells them to read again. For stores of this process; another process's commits reach
/// it through the store's own means (a poll, a notification), which say "read again".
/// </summary>
public sealed class InstanceSignals
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Waiter>> _waiters = new(StringComparer.Ordinal);

    /// <summary>
    /// The body of a store's <see cref="IPerdureStore.WaitForInstanceAsync"/>: subscribes before the first read and stays
    /// subscribed until the end, so no commit in between goes unseen; takes a handed-over row (without its payloads when
    /// <paramref name="includePayloads"/> is false) and calls <paramref name="read"/> for any other change.
    /// </summary>
    /// <param name="instanceId">The instance to wait for.</param>
    /// <param name="condition">Runs on each state seen; the wait ends when it returns true.</param>
    /// <param name="includePayloads">Whether the returned state carries input, output and custom status.</param>
    /// <param name="read">Reads the instance (with payloads as asked); null when it does not exist.</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <returns>The first state the condition accepted.</returns>
    public async Task<InstanceState?> WaitAsync(
        string instanceId,
        Func<InstanceState?, bool> condition,
        bool includePayloads,
        Func<CancellationToken, Task<InstanceState?>> read,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(condition);
        ArgumentNullException.ThrowIfNull(read);
        using var waiter = Subscribe(instanceId);
        var state = await read(cancellationToken).ConfigureAwait(false);
        while (!condition(state))
        {
            state = await waiter.NextAsync(cancellationToken).ConfigureAwait(false) is { } committed
                ? (includePayloads ? committed : committed with { Input = null, Output = null, CustomStatus = null })
                : await read(cancellationToken).ConfigureAwait(false);
        }

        return state;
    }

    /// <summary>Subscribes to the changes of <paramref name="instanceId"/> until the returned waiter is disposed.</summary>
    public Waiter Subscribe(string instanceId)
    {
        var waiter = new Waiter(this, instanceId);
        lock (_gate)
        {
            if (!_waiters.TryGetValue(instanceId, out var list))
            {
                _waiters[instanceId] = list = [];
            }

            list.Add(waiter);
        }

        return waiter;
    }

    /// <summary>Tells the waiters of each instance that it changed, with the committed row when known (null: read again).</summary>
    public void Signal(IReadOnlyDictionary<string, InstanceState?> changes)
    {
        List<(Waiter Waiter, InstanceState? State)>? fired = null;
        lock (_gate)
        {
            if (_waiters.Count == 0)
            {
                return;
            }

            foreach (var (id, state) in changes)
            {
                if (_waiters.TryGetValue(id, out var list))
                {
                    foreach (var waiter in list)
                    {
                        (fired ??= []).Add((waiter, state));
                    }
                }
            }
        }

        fired?.ForEach(f => f.Waiter.Notify(f.State));
    }

    /// <summary>Tells the waiters of these instances to read again.</summary>
    public void Signal(IEnumerable<string> instanceIds)
    {
        ArgumentNullException.ThrowIfNull(instanceIds);
        Signal(instanceIds.Distinct(StringComparer.Ordinal).ToDictionary(id => id, _ => (InstanceState?)null, StringComparer.Ordinal));
    }

    /// <summary>Tells every waiter to read again (another process may have changed anything).</summary>
    public void SignalAll()
    {
        List<Waiter> all;
        lock (_gate)
        {
            all = [.. _waiters.Values.SelectMany(l => l)];
        }

        all.ForEach(w => w.Notify(null));
    }

    private void Unsubscribe(Waiter waiter)
    {
        lock (_gate)
        {
            if (_waiters.TryGetValue(waiter.InstanceId, out var list) && list.Remove(waiter) && list.Count == 0)
            {
                _waiters.Remove(waiter.InstanceId);
            }
        }
    }

    /// <summary>One waiter's subscription: the changes it has not looked at yet, folded into what it must do next.</summary>
    public sealed class Waiter(InstanceSignals owner, string instanceId) : IDisposable
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _pending;
        private InstanceState? _latest;

        /// <summary>The instance this waiter follows.</summary>
        public string InstanceId { get; } = instanceId;

        /// <summary>
        /// Waits for the next change: returns the committed row if exactly one change since the previous call handed one
        /// over, or null when the waiter must read the row again (a change that handed none, or more than one change).
        /// </summary>
        public async Task<InstanceState?> NextAsync(CancellationToken cancellationToken)
        {
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    if (_pending)
                    {
                        _pending = false;
                        _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                        return _latest;
                    }

                    changed = _changed.Task;
                }

                await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        /// <summary>Ends the subscription.</summary>
        public void Dispose() => owner.Unsubscribe(this);

        internal void Notify(InstanceState? state)
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                // A row replaces no change still pending: signals can arrive out of commit order (several writer lanes,
                // another process's notification), so two unread changes make one read, never an older row.
                _latest = _pending ? null : state;
                _pending = true;
                changed = _changed;
            }

            changed.TrySetResult();
        }
    }
}
