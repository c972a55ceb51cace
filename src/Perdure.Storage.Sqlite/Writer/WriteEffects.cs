namespace Perdure.Storage.Sqlite.Writer;

/// <summary>What committed writes change for in-process listeners: which kinds of work appeared, which instances changed.</summary>
internal sealed class WriteEffects
{
    /// <summary>Orchestration work may have become claimable or its next due time may have moved.</summary>
    public bool OrchestrationWork { get; set; }

    /// <summary>Activity work may have become claimable or its next due time may have moved.</summary>
    public bool ActivityWork { get; set; }

    /// <summary>Every instance of the hub may have changed (the hub was deleted).</summary>
    public bool AllInstances { get; set; }

    /// <summary>Instances whose row changed (created, checkpointed, purged).</summary>
    public HashSet<string> Instances { get; } = new(StringComparer.Ordinal);

    public bool IsEmpty => !OrchestrationWork && !ActivityWork && !AllInstances && Instances.Count == 0;

    public void AddTo(WriteEffects target)
    {
        target.OrchestrationWork |= OrchestrationWork;
        target.ActivityWork |= ActivityWork;
        target.AllInstances |= AllInstances;
        target.Instances.UnionWith(Instances);
    }

    public void Clear()
    {
        OrchestrationWork = false;
        ActivityWork = false;
        AllInstances = false;
        Instances.Clear();
    }
}
