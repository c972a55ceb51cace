using System.Text.Json.Serialization;

namespace Perdure.Core.History;

/// <summary>The first event of every execution: what to run, with which input, on whose behalf.</summary>
public sealed record ExecutionStartedEvent : HistoryEvent
{
    /// <summary>The orchestrator's registered name.</summary>
    public required string Name { get; init; }

    /// <summary>The orchestration version, if any.</summary>
    public string? Version { get; init; }

    /// <summary>The serialized input.</summary>
    public string? Input { get; init; }

    /// <summary>The execution this event starts.</summary>
    public required string ExecutionId { get; init; }

    /// <summary>The parent orchestration when this instance is a sub-orchestration.</summary>
    public ParentInstance? Parent { get; init; }

    /// <summary>User tags given at start.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The earliest time the orchestration may start, when it was scheduled for later.</summary>
    public DateTimeOffset? ScheduledStartAt { get; init; }

    /// <summary>W3C trace context (traceparent) of the operation that started the instance.</summary>
    public string? TraceParent { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.ExecutionStarted;
}

/// <summary>The last event of an execution: it completed, failed or continued as new.</summary>
public sealed record ExecutionCompletedEvent : HistoryEvent
{
    /// <summary><see cref="OrchestrationStatus.Completed"/>, <see cref="OrchestrationStatus.Failed"/> or <see cref="OrchestrationStatus.ContinuedAsNew"/>.</summary>
    public required OrchestrationStatus Status { get; init; }

    /// <summary>The serialized output (for continue-as-new: the new input).</summary>
    public string? Result { get; init; }

    /// <summary>Why it failed, when it failed.</summary>
    public FailureDetails? Failure { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.ExecutionCompleted;
}

/// <summary>A request to terminate (as a message) and the fact that it happened (in history).</summary>
public sealed record ExecutionTerminatedEvent : HistoryEvent
{
    /// <summary>The serialized output recorded for the terminated instance.</summary>
    public string? Output { get; init; }

    /// <summary>Whether running sub-orchestrations are terminated too.</summary>
    public bool Recursive { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.ExecutionTerminated;
}

/// <summary>A request to suspend, and the fact that it happened.</summary>
public sealed record ExecutionSuspendedEvent : HistoryEvent
{
    /// <summary>The reason given by the caller.</summary>
    public string? Reason { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.ExecutionSuspended;
}

/// <summary>A request to resume, and the fact that it happened.</summary>
public sealed record ExecutionResumedEvent : HistoryEvent
{
    /// <summary>The reason given by the caller.</summary>
    public string? Reason { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.ExecutionResumed;
}

/// <summary>Marks the start of one step; its <see cref="HistoryEvent.Timestamp"/> is the orchestration's current time.</summary>
public sealed record OrchestratorStartedEvent : HistoryEvent
{
    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.OrchestratorStarted;
}

/// <summary>The orchestrator scheduled an activity.</summary>
public sealed record TaskScheduledEvent : HistoryEvent
{
    /// <summary>The task id (the orchestrator's action sequence number).</summary>
    public required int EventId { get; init; }

    /// <summary>The activity name.</summary>
    public required string Name { get; init; }

    /// <summary>The activity version, if any.</summary>
    public string? Version { get; init; }

    /// <summary>The serialized input.</summary>
    public string? Input { get; init; }

    /// <summary>User tags on the call.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.TaskScheduled;
}

/// <summary>An activity returned.</summary>
public sealed record TaskCompletedEvent : HistoryEvent
{
    /// <summary>The <see cref="TaskScheduledEvent.EventId"/> this completes.</summary>
    public required int TaskScheduledId { get; init; }

    /// <summary>The serialized result.</summary>
    public string? Result { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.TaskCompleted;
}

/// <summary>An activity threw.</summary>
public sealed record TaskFailedEvent : HistoryEvent
{
    /// <summary>The <see cref="TaskScheduledEvent.EventId"/> this completes.</summary>
    public required int TaskScheduledId { get; init; }

    /// <summary>What went wrong.</summary>
    public required FailureDetails Failure { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.TaskFailed;
}

/// <summary>The orchestrator started a sub-orchestration.</summary>
public sealed record SubOrchestrationCreatedEvent : HistoryEvent
{
    /// <summary>The task id.</summary>
    public required int EventId { get; init; }

    /// <summary>The sub-orchestrator's name.</summary>
    public required string Name { get; init; }

    /// <summary>The sub-orchestrator's version, if any.</summary>
    public string? Version { get; init; }

    /// <summary>The child's instance id.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The serialized input.</summary>
    public string? Input { get; init; }

    /// <summary>User tags for the child.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.SubOrchestrationCreated;
}

/// <summary>A sub-orchestration completed.</summary>
public sealed record SubOrchestrationCompletedEvent : HistoryEvent
{
    /// <summary>The <see cref="SubOrchestrationCreatedEvent.EventId"/> this completes.</summary>
    public required int TaskScheduledId { get; init; }

    /// <summary>The serialized result.</summary>
    public string? Result { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.SubOrchestrationCompleted;
}

/// <summary>A sub-orchestration failed or was terminated.</summary>
public sealed record SubOrchestrationFailedEvent : HistoryEvent
{
    /// <summary>The <see cref="SubOrchestrationCreatedEvent.EventId"/> this completes.</summary>
    public required int TaskScheduledId { get; init; }

    /// <summary>What went wrong.</summary>
    public required FailureDetails Failure { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.SubOrchestrationFailed;
}

/// <summary>The orchestrator created a durable timer.</summary>
public sealed record TimerCreatedEvent : HistoryEvent
{
    /// <summary>The task id.</summary>
    public required int EventId { get; init; }

    /// <summary>When the timer fires.</summary>
    public required DateTimeOffset FireAt { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.TimerCreated;
}

/// <summary>A durable timer fired. Travels as an inbox message that becomes visible at <see cref="FireAt"/>.</summary>
public sealed record TimerFiredEvent : HistoryEvent
{
    /// <summary>The <see cref="TimerCreatedEvent.EventId"/> this completes.</summary>
    public required int TimerId { get; init; }

    /// <summary>When the timer was due.</summary>
    public required DateTimeOffset FireAt { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.TimerFired;
}

/// <summary>An external event arrived (from a client or another orchestration).</summary>
public sealed record EventRaisedEvent : HistoryEvent
{
    /// <summary>The event name (matched case-insensitively).</summary>
    public required string Name { get; init; }

    /// <summary>The serialized payload.</summary>
    public string? Input { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EventRaised;
}

/// <summary>The orchestrator sent an event to another instance.</summary>
public sealed record EventSentEvent : HistoryEvent
{
    /// <summary>The task id.</summary>
    public required int EventId { get; init; }

    /// <summary>The receiving instance.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The event name.</summary>
    public required string Name { get; init; }

    /// <summary>The serialized payload.</summary>
    public string? Input { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EventSent;
}
