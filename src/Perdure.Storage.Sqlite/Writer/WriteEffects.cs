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

    /// <summary>Instances whose row changed (created, checkpointed, purged).</summary>
    public HashSet<string> Instances { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => !OrchestrationWork && !ActivityWork && !EntityWork && !AllInstances && Instances.Count == 0;

    public void AddTo(WriteEffects target)
    {
        target.OrchestrationWork |= OrchestrationWork;
        target.ActivityWork |= ActivityWork;
        target.EntityWork |= EntityWork;
        target.AllInstances |= AllInstances;
        target.Instances.UnionWith(Instances);
    }

    public void Clear()
    {
        OrchestrationWork = false;
        ActivityWork = false;
        EntityWork = false;
        AllInstances = false;
        Instances.Clear();
    }
}
