using Perdure.Core;

namespace Perdure.Storage.Sqlite.Writer;

/// <summary>What committed writes change for in-process listeners: which kinds of work appeared, which instances changed.</summary>
internal sealed class WriteEffects
{
    /// <summary>Orchestration work may have become claimable or its next due time may have moved.</summary>
    public bool OrchestrationWork { get; set; }

    /// <summary>Activity work may have become claimable or its next due time may have moved.</summary>
    public bool ActivityWork { get; set; }

    /// <summary>
    /// Entity work may have become claimable (a message an entity may serve, a released lock, an abandon) or the entity
    /// next due time may have moved (a scheduled message, a back-off).
    /// </summary>
    public bool EntityWork { get; set; }

    /// <summary>Every instance of the hub may have changed (the hub was deleted).</summary>
    public bool AllInstances { get; set; }

    /// <summary>
    /// Instances whose row changed (created, checkpointed, purged), each with the row as committed when the write knows
    /// it exactly (a checkpoint), else null; a later write in the batch replaces an earlier one's entry.
    /// </summary>
    public Dictionary<string, InstanceState?> Instances { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => !OrchestrationWork && !ActivityWork && !EntityWork && !AllInstances && Instances.Count == 0;

    public void AddTo(WriteEffects target)
    {
        target.OrchestrationWork |= OrchestrationWork;
        target.ActivityWork |= ActivityWork;
        target.EntityWork |= EntityWork;
        target.AllInstances |= AllInstances;
        foreach (var (id, state) in Instances)
        {
            target.Instances[id] = state;
        }
    }

    /// <summary>Records that an instance's row changed, in a way readers must read again to see.</summary>
    public void InstanceChanged(string instanceId) => Instances[instanceId] = null;

    /// <summary>Records that an instance's row is now exactly <paramref name="committed"/> (payloads included).</summary>
    public void InstanceWritten(InstanceState committed) => Instances[committed.InstanceId] = committed;

    public void Clear()
    {
        OrchestrationWork = false;
        ActivityWork = false;
        EntityWork = false;
        AllInstances = false;
        Instances.Clear();
    }
}
