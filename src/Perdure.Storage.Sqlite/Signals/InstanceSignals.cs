namespace Perdure.Storage.Sqlite.Signals;

/// <summary>
/// Per-instance change signals for <see cref="Core.Storage.IPerdureStore.WaitForInstanceAsync"/>: a waiter subscribes
/// before it reads the instance, so a commit between the read and the wait is never missed. Entries exist only while
/// someone waits.
/// </summary>
internal sealed class InstanceSignals
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    /// <summary>A signal that fires at the next change of <paramref name="instanceId"/>; pass it to <see cref="Unsubscribe"/> when done.</summary>
    public Entry Subscribe(string instanceId)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(instanceId, out var entry))
            {
                _entries[instanceId] = entry = new Entry();
            }

            entry.Waiters++;
            return entry;
        }
    }

    public void Unsubscribe(string instanceId, Entry entry)
    {
        lock (_gate)
        {
            if (--entry.Waiters == 0 && _entries.TryGetValue(instanceId, out var current) && current == entry)
            {
                _entries.Remove(instanceId);
            }
        }
    }

    public void Signal(IEnumerable<string> instanceIds)
    {
        List<Entry>? fired = null;
        lock (_gate)
        {
            if (_entries.Count == 0)
            {
                return;
            }

            foreach (var id in instanceIds)
            {
                if (_entries.Remove(id, out var entry))
                {
                    (fired ??= []).Add(entry);
                }
            }
        }

        fired?.ForEach(e => e.Completion.TrySetResult());
    }

    public void SignalAll()
    {
        List<Entry> fired;
        lock (_gate)
        {
            fired = [.. _entries.Values];
            _entries.Clear();
        }

        fired.ForEach(e => e.Completion.TrySetResult());
    }

    /// <summary>One instance's pending signal and how many waiters hold it.</summary>
    internal sealed class Entry
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public int Waiters { get; set; }

        public Task Changed => Completion.Task;
    }
}
