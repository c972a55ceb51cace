using Perdure.Engine.Replay;

namespace Perdure.Engine.Dispatch;

/// <summary>
/// The sticky cache: live orchestrations kept between steps, least recently used evicted first. A step takes its
/// runtime out (so no two steps share one) and puts it back after a successful commit.
/// </summary>
internal sealed class OrchestrationCache
{
    private readonly int _capacity;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, LinkedListNode<CachedOrchestration>> _entries = new(StringComparer.Ordinal);
    private readonly LinkedList<CachedOrchestration> _lru = new();

    public OrchestrationCache(int capacity) => _capacity = Math.Max(0, capacity);

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Takes the cached runtime of an instance if it is at exactly this execution and history length.</summary>
    public CachedOrchestration? TryTake(string instanceId, string executionId, int historyLength)
    {
        CachedOrchestration? entry;
        lock (_gate)
        {
            if (!_entries.Remove(instanceId, out var node))
            {
                return null;
            }

            _lru.Remove(node);
            entry = node.Value;
        }

        if (entry.Runtime.ExecutionId == executionId && entry.Runtime.HistoryLength == historyLength)
        {
            return entry;
        }

        entry.Dispose();
        return null;
    }

    /// <summary>
    /// Takes the cached runtime of an instance for a local step if it is at this execution and its instance was left
    /// Running; anything else stays in the cache.
    /// </summary>
    public CachedOrchestration? TryTakeRunning(string instanceId, string executionId)
    {
        lock (_gate)
        {
            if (!_entries.TryGetValue(instanceId, out var node)
                || node.Value.Runtime.ExecutionId != executionId
                || node.Value.Instance?.Status != Core.OrchestrationStatus.Running)
            {
                return null;
            }

            _entries.Remove(instanceId);
            _lru.Remove(node);
            return node.Value;
        }
    }

    /// <summary>Keeps a runtime after its step committed; evicts the least recently used beyond capacity.</summary>
    public void Put(string instanceId, CachedOrchestration entry)
    {
        if (_capacity == 0)
        {
            entry.Dispose();
            return;
        }

        List<CachedOrchestration>? evicted = null;
        lock (_gate)
        {
            if (_entries.Remove(instanceId, out var old))
            {
                _lru.Remove(old);
                (evicted ??= []).Add(old.Value);
            }

            _entries[instanceId] = _lru.AddFirst(entry);
            while (_entries.Count > _capacity)
            {
                var last = _lru.Last!;
                _lru.RemoveLast();
                _entries.Remove(last.Value.Runtime.InstanceId);
                (evicted ??= []).Add(last.Value);
            }
        }

        evicted?.ForEach(e => e.Dispose());
    }

    /// <summary>Drops everything.</summary>
    public void Clear()
    {
        List<CachedOrchestration> all;
        lock (_gate)
        {
            all = [.. _lru];
            _lru.Clear();
            _entries.Clear();
        }

        all.ForEach(e => e.Dispose());
    }
}

/// <summary>A cached runtime with the DI scope its orchestrator was created in.</summary>
internal sealed class CachedOrchestration(OrchestrationRuntime runtime, IDisposable? scope) : IDisposable
{
    public OrchestrationRuntime Runtime { get; } = runtime;

    /// <summary>The instance row as the runtime's last step committed it; null until a step committed.</summary>
    public Core.InstanceState? Instance { get; set; }

    public void Dispose() => scope?.Dispose();
}
