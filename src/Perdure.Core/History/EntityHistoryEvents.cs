using System.Text.Json.Serialization;

namespace Perdure.Core.History;

/// <summary>The orchestrator called an entity operation and waits for its result.</summary>
public sealed record EntityOperationCalledEvent : HistoryEvent
{
    /// <summary>The task id.</summary>
    public required int EventId { get; init; }

    /// <summary>The entity, <c>@name@key</c>.</summary>
    public required string EntityId { get; init; }

    /// <summary>The operation name.</summary>
    public required string Operation { get; init; }

    /// <summary>The serialized input.</summary>
    public string? Input { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EntityOperationCalled;
}

/// <summary>An entity operation the orchestrator called returned. Travels as an inbox message from the entity.</summary>
public sealed record EntityOperationCompletedEvent : HistoryEvent
{
    /// <summary>The <see cref="EntityOperationCalledEvent.EventId"/> this completes.</summary>
    public required int TaskScheduledId { get; init; }

    /// <summary>The serialized result.</summary>
    public string? Result { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EntityOperationCompleted;
}

/// <summary>An entity operation the orchestrator called threw; its state change was rolled back.</summary>
public sealed record EntityOperationFailedEvent : HistoryEvent
{
    /// <summary>The <see cref="EntityOperationCalledEvent.EventId"/> this completes.</summary>
    public required int TaskScheduledId { get; init; }

    /// <summary>What went wrong.</summary>
    public required FailureDetails Failure { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EntityOperationFailed;
}

/// <summary>The orchestrator signalled an entity operation (one way: nothing comes back).</summary>
public sealed record EntityOperationSignaledEvent : HistoryEvent
{
    /// <summary>The task id.</summary>
    public required int EventId { get; init; }

    /// <summary>The entity, <c>@name@key</c>.</summary>
    public required string EntityId { get; init; }

    /// <summary>The operation name.</summary>
    public required string Operation { get; init; }

    /// <summary>The serialized input.</summary>
    public string? Input { get; init; }

    /// <summary>When the entity should receive the signal; null for at once.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EntityOperationSignaled;
}

/// <summary>The orchestrator asked for the locks of a critical section.</summary>
public sealed record EntityLockRequestedEvent : HistoryEvent
{
    /// <summary>The task id; with the instance and execution, the critical section's identity.</summary>
    public required int EventId { get; init; }

    /// <summary>The entity ids to lock, sorted ordinally without duplicates.</summary>
    public required IReadOnlyList<string> LockSet { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EntityLockRequested;
}

/// <summary>Every entity of a critical section is locked. Travels as an inbox message from the last entity of the set.</summary>
public sealed record EntityLockGrantedEvent : HistoryEvent
{
    /// <summary>The <see cref="EntityLockRequestedEvent.EventId"/> this completes.</summary>
    public required int TaskScheduledId { get; init; }

    /// <summary>The locked entity ids, so that a grant reaching an ended execution can be answered with releases.</summary>
    public required IReadOnlyList<string> LockSet { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EntityLockGranted;
}

/// <summary>The orchestrator left a critical section (or the engine did so for it): releases went to every entity of the set.</summary>
public sealed record EntityUnlockSentEvent : HistoryEvent
{
    /// <summary>The task id.</summary>
    public required int EventId { get; init; }

    /// <summary>The <see cref="EntityLockRequestedEvent.EventId"/> of the critical section released.</summary>
    public required int LockRequestId { get; init; }

    /// <summary>The entity ids released.</summary>
    public required IReadOnlyList<string> LockSet { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override HistoryEventType EventType => HistoryEventType.EntityUnlockSent;
}
