using System.Text.Json.Serialization;

namespace Perdure.Core.History;

/// <summary>
/// One entry of an orchestration's event-sourced history, or a message on its way into one.
/// </summary>
/// <remarks>
/// History is append-only: an instance's state is whatever replaying its events in order
/// produces. Events are immutable records; the engine creates them, the stores persist them as they are and never
/// interpret payloads (they are strings produced by the SDK's <c>DataConverter</c>).
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(ExecutionStartedEvent), "ExecutionStarted")]
[JsonDerivedType(typeof(ExecutionCompletedEvent), "ExecutionCompleted")]
[JsonDerivedType(typeof(ExecutionTerminatedEvent), "ExecutionTerminated")]
[JsonDerivedType(typeof(ExecutionSuspendedEvent), "ExecutionSuspended")]
[JsonDerivedType(typeof(ExecutionResumedEvent), "ExecutionResumed")]
[JsonDerivedType(typeof(OrchestratorStartedEvent), "OrchestratorStarted")]
[JsonDerivedType(typeof(TaskScheduledEvent), "TaskScheduled")]
[JsonDerivedType(typeof(TaskCompletedEvent), "TaskCompleted")]
[JsonDerivedType(typeof(TaskFailedEvent), "TaskFailed")]
[JsonDerivedType(typeof(SubOrchestrationCreatedEvent), "SubOrchestrationCreated")]
[JsonDerivedType(typeof(SubOrchestrationCompletedEvent), "SubOrchestrationCompleted")]
[JsonDerivedType(typeof(SubOrchestrationFailedEvent), "SubOrchestrationFailed")]
[JsonDerivedType(typeof(TimerCreatedEvent), "TimerCreated")]
[JsonDerivedType(typeof(TimerFiredEvent), "TimerFired")]
[JsonDerivedType(typeof(EventRaisedEvent), "EventRaised")]
[JsonDerivedType(typeof(EventSentEvent), "EventSent")]
[JsonDerivedType(typeof(EntityOperationCalledEvent), "EntityOperationCalled")]
[JsonDerivedType(typeof(EntityOperationCompletedEvent), "EntityOperationCompleted")]
[JsonDerivedType(typeof(EntityOperationFailedEvent), "EntityOperationFailed")]
[JsonDerivedType(typeof(EntityOperationSignaledEvent), "EntityOperationSignaled")]
[JsonDerivedType(typeof(EntityLockRequestedEvent), "EntityLockRequested")]
[JsonDerivedType(typeof(EntityLockGrantedEvent), "EntityLockGranted")]
[JsonDerivedType(typeof(EntityUnlockSentEvent), "EntityUnlockSent")]
public abstract record HistoryEvent
{
    /// <summary>When the event was created (UTC).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The kind of this event, for storage columns and logs.</summary>
    [JsonIgnore]
    public abstract HistoryEventType EventType { get; }
}

/// <summary>The kinds of <see cref="HistoryEvent"/>. Values are persisted: never renumber.</summary>
public enum HistoryEventType
{
    /// <summary><see cref="ExecutionStartedEvent"/>.</summary>
    ExecutionStarted = 0,

    /// <summary><see cref="ExecutionCompletedEvent"/>.</summary>
    ExecutionCompleted = 1,

    /// <summary><see cref="ExecutionTerminatedEvent"/>.</summary>
    ExecutionTerminated = 2,

    /// <summary><see cref="ExecutionSuspendedEvent"/>.</summary>
    ExecutionSuspended = 3,

    /// <summary><see cref="ExecutionResumedEvent"/>.</summary>
    ExecutionResumed = 4,

    /// <summary><see cref="OrchestratorStartedEvent"/>.</summary>
    OrchestratorStarted = 5,

    /// <summary><see cref="TaskScheduledEvent"/>.</summary>
    TaskScheduled = 10,

    /// <summary><see cref="TaskCompletedEvent"/>.</summary>
    TaskCompleted = 11,

    /// <summary><see cref="TaskFailedEvent"/>.</summary>
    TaskFailed = 12,

    /// <summary><see cref="SubOrchestrationCreatedEvent"/>.</summary>
    SubOrchestrationCreated = 20,

    /// <summary><see cref="SubOrchestrationCompletedEvent"/>.</summary>
    SubOrchestrationCompleted = 21,

    /// <summary><see cref="SubOrchestrationFailedEvent"/>.</summary>
    SubOrchestrationFailed = 22,

    /// <summary><see cref="TimerCreatedEvent"/>.</summary>
    TimerCreated = 30,

    /// <summary><see cref="TimerFiredEvent"/>.</summary>
    TimerFired = 31,

    /// <summary><see cref="EventRaisedEvent"/>.</summary>
    EventRaised = 40,

    /// <summary><see cref="EventSentEvent"/>.</summary>
    EventSent = 41,

    /// <summary><see cref="EntityOperationCalledEvent"/>.</summary>
    EntityOperationCalled = 50,

    /// <summary><see cref="EntityOperationCompletedEvent"/>.</summary>
    EntityOperationCompleted = 51,

    /// <summary><see cref="EntityOperationFailedEvent"/>.</summary>
    EntityOperationFailed = 52,

    /// <summary><see cref="EntityOperationSignaledEvent"/>.</summary>
    EntityOperationSignaled = 53,

    /// <summary><see cref="EntityLockRequestedEvent"/>.</summary>
    EntityLockRequested = 54,

    /// <summary><see cref="EntityLockGrantedEvent"/>.</summary>
    EntityLockGranted = 55,

    /// <summary><see cref="EntityUnlockSentEvent"/>.</summary>
    EntityUnlockSent = 56,
}
