namespace Perdure.Storage.Postgres.Signals;

/// <summary>
/// Per-instance change notifications for <see cref="Core.Storage.IPerdureStore.WaitForInstanceAsync"/>. A waiter
/// subscribes before it reads the instance and stays subscribed until it returns, so no commit between its read and its
/// wait goes unseen.
/// </summary>
internal sealed class InstanceSignals
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<Waiter>> _waiters = new(StringComparer.Ordinal);

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

    /// <summary>Tells the waiters of these instances to read again.</summary>
    public void Signal(IEnumerable<string> instanceIds)
    {
        List<Waiter>? fired = null;
        lock (_gate)
        {
            if (_waiters.Count == 0)
            {
                return;
            }

            foreach (var id in instanceIds)
            {
                if (_waiters.TryGetValue(id, out var list))
                {
                    (fired ??= []).AddRange(list);
                }
            }
        }

        fired?.ForEach(w => w.Notify());
    }

    /// <summary>Tells every waiter to read again.</summary>
    public void SignalAll()
    {
        List<Waiter> all;
        lock (_gate)
        {
            all = [.. _waiters.Values.SelectMany(l => l)];
        }

        all.ForEach(w => w.Notify());
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

    /// <summary>One waiter's subscription; <see cref="NextAsync"/> returns after a change it has not seen yet.</summary>
    internal sealed class Waiter(InstanceSignals owner, string instanceId) : IDisposable
    {
        private readonly Lock _gate = new();
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private bool _pending;

        public string InstanceId { get; } = instanceId;

        public async Task NextAsync(CancellationToken cancellationToken)
        {
            Task changed;
            lock (_gate)
            {
                if (_pending)
                {
                    _pending = false;
                    return;
                }

                changed = _changed.Task;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _pending = false;
                _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }

        public void Dispose() => owner.Unsubscribe(this);

        internal void Notify()
        {
            TaskCompletionSource changed;
            lock (_gate)
            {
                _pending = true;
                changed = _changed;
            }

            changed.TrySetResult();
        }
    }
}
