using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;

namespace Perdure.Storage.Postgres.Data;

/// <summary>A checkpoint with everything it stores serialized before its transaction begins.</summary>
internal sealed class PreparedCheckpoint
{
    /// <param name="before">The instance row the step ran against.</param>
    /// <param name="previousHistoryLength">The history length the step ran against.</param>
    /// <param name="lease">The claim's lease; null for a local step.</param>
    /// <param name="checkpoint">What the step commits.</param>
    /// <param name="stepWorker">The worker that ran the step: the claim's holder, or for a local step the activity's.</param>
    /// <exception cref="ArgumentException">An entity message of the step is null or not valid, or it asks to lease activity
    /// calls it does not make; nothing was written.</exception>
    public PreparedCheckpoint(InstanceState before, int previousHistoryLength, Lease? lease, OrchestrationCheckpoint checkpoint, string stepWorker)
    {
        LeasedActivities = ActivityLeaseRequest.CountOf(checkpoint);
        StepWorker = stepWorker;
        EntityMessages = PreparedEntityMessage.FromAll(checkpoint.EntityMessages);
        EntitiesToLock = EntityMessages.Length > 0 ? EntityLockSet.Of(EntityMessages, ownEntityId: null) : null;
        Before = before;
        Checkpoint = checkpoint;
        Lease = lease;
        PreviousHistoryLength = previousHistoryLength;
        var continued = checkpoint.NewExecutionId is not null;
        var events = continued ? checkpoint.NewExecutionHistory : checkpoint.NewEvents;
        HistoryTypes = [.. events.Select(e => (int)e.EventType)];
        HistoryTimestamps = [.. events.Select(e => e.Timestamp.UtcTicks)];
        HistoryEvents = [.. events.Select(StoredJson.Serialize)];
        HistoryExecutionId = checkpoint.NewExecutionId ?? checkpoint.ExecutionId;
        FirstSequenceNumber = continued ? 0 : previousHistoryLength;
        var after = checkpoint.Instance;
        Failure = StoredJson.Serialize(after.Failure);
        Tags = StoredJson.Serialize(after.Tags);
        DefinitionChanged = !string.Equals(before.Name, after.Name, StringComparison.Ordinal)
            || !string.Equals(before.Version, after.Version, StringComparison.Ordinal)
            || before.ScheduledStartAt != after.ScheduledStartAt
            || (!ReferenceEquals(before.Tags, after.Tags) && !string.Equals(StoredJson.Serialize(before.Tags), Tags, StringComparison.Ordinal))
            || before.Parent != after.Parent
            || !string.Equals(before.TraceParent, after.TraceParent, StringComparison.Ordinal);
        HistoryLength = FirstSequenceNumber + HistoryEvents.Length;
        ConsumedMessageIds = checkpoint.ConsumedMessageIds.Count > 0 ? [.. checkpoint.ConsumedMessageIds] : null;
        ActivityEvents = [.. checkpoint.ActivityTasks.Select(t => StoredJson.Serialize(t.Scheduled))];
        ActivityInstanceIds = [.. checkpoint.ActivityTasks.Select(t => t.InstanceId)];
        ActivityExecutionIds = [.. checkpoint.ActivityTasks.Select(t => t.ExecutionId)];
        ActivityNames = [.. checkpoint.ActivityTasks.Select(t => t.Scheduled.Name)];
        SubOrchestrationEvents = [.. checkpoint.SubOrchestrations.Select(c => StoredJson.Serialize(c.Started))];
        MessageEvents = [.. checkpoint.Messages.Select(m => StoredJson.Serialize(m.Event))];
        var others = checkpoint.Messages.Select(m => m.InstanceId)
            .Concat(checkpoint.SubOrchestrations.Select(c => c.InstanceId))
            .Where(id => !string.Equals(id, before.InstanceId, StringComparison.Ordinal))
            .Distinct(StringComparer.Ordinal)
            .ToList();
        RowsToLock = others.Count > 0 ? [before.InstanceId, .. others] : null;
    }

    /// <summary>The entity messages the step sends, in list order.</summary>
    public PreparedEntityMessage[] EntityMessages { get; }

    /// <summary>
    /// The entities the step sends messages to, to be locked in id order before any instance row (the store's lock
    /// order); null when it sends none.
    /// </summary>
    public EntityLockSet? EntitiesToLock { get; }

    /// <summary>
    /// The instances whose rows the step writes (its own, its messages' targets, its sub-orchestrations), to be locked in
    /// one order before the first write; null when the step writes only its own row.
    /// </summary>
    public string[]? RowsToLock { get; }

    public InstanceState Before { get; }

    public OrchestrationCheckpoint Checkpoint { get; }

    public Lease? Lease { get; }

    /// <summary>The worker that ran the step and most likely caches its runtime (Instances.StepWorker); it holds the leased activity calls.</summary>
    public string StepWorker { get; }

    /// <summary>How many of the first activity calls are leased to <see cref="StepWorker"/>.</summary>
    public int LeasedActivities { get; }

    public int PreviousHistoryLength { get; }

    /// <summary>The step's failure details as stored.</summary>
    public string? Failure { get; }

    /// <summary>The instance's tags as stored.</summary>
    public string? Tags { get; }

    /// <summary>Whether the step changed a column that UpdateDefinition.sql writes.</summary>
    public bool DefinitionChanged { get; }

    /// <summary>The new history events' types, timestamps (ticks) and JSON, one element per event, in order.</summary>
    public int[] HistoryTypes { get; }

    /// <inheritdoc cref="HistoryTypes"/>
    public long[] HistoryTimestamps { get; }

    /// <inheritdoc cref="HistoryTypes"/>
    public string[] HistoryEvents { get; }

    /// <summary>The execution the written history belongs to (the new one on continue-as-new).</summary>
    public string HistoryExecutionId { get; }

    public int FirstSequenceNumber { get; }

    public int HistoryLength { get; }

    public long[]? ConsumedMessageIds { get; }

    public string[] ActivityEvents { get; }

    /// <summary>The activity calls' instance, execution and activity names, one element per call, as <see cref="ActivityEvents"/>.</summary>
    public string[] ActivityInstanceIds { get; }

    /// <inheritdoc cref="ActivityInstanceIds"/>
    public string[] ActivityExecutionIds { get; }

    /// <inheritdoc cref="ActivityInstanceIds"/>
    public string[] ActivityNames { get; }

    public string[] SubOrchestrationEvents { get; }

    public string[] MessageEvents { get; }
}
