using Perdure.Core.History;

namespace Perdure.Engine.Replay;

/// <summary>
/// Something the orchestrator asked for in a step (call an activity, start a timer, ...), numbered by the order in which
/// the code asked. On replay each recorded "scheduled" event must match the action with the same id.
/// </summary>
internal abstract class OrchestrationAction
{
    protected OrchestrationAction(int id) => Id = id;

    /// <summary>The task id, unique within the execution.</summary>
    public int Id { get; }

    /// <summary>A readable description for nondeterminism messages, e.g. "TaskScheduled 'Charge'".</summary>
    public abstract string Describe();

    /// <summary>Whether a recorded event is this action.</summary>
    public abstract bool Matches(HistoryEvent recorded);

    /// <summary>The history event that records this action.</summary>
    public abstract HistoryEvent ToHistoryEvent(DateTimeOffset now);
}

internal sealed class ScheduleActivityAction(int id, string name, string? version, string? input, IReadOnlyDictionary<string, string>? tags)
    : OrchestrationAction(id)
{
    public string Name { get; } = name;

    public override string Describe() => $"TaskScheduled '{Name}'";

    public override bool Matches(HistoryEvent recorded) =>
        recorded is TaskScheduledEvent e && string.Equals(e.Name, Name, StringComparison.OrdinalIgnoreCase);

    public override HistoryEvent ToHistoryEvent(DateTimeOffset now) =>
        new TaskScheduledEvent { EventId = Id, Name = Name, Version = version, Input = input, Tags = tags, Timestamp = now };
}

internal sealed class CreateTimerAction(int id, DateTimeOffset fireAt) : OrchestrationAction(id)
{
    public DateTimeOffset FireAt { get; } = fireAt;

    public override string Describe() => $"TimerCreated (fires {FireAt:O})";

    // The fire time is derived from CurrentUtcDateTime, which is replayed; only the kind must match.
    public override bool Matches(HistoryEvent recorded) => recorded is TimerCreatedEvent;

    public override HistoryEvent ToHistoryEvent(DateTimeOffset now) =>
        new TimerCreatedEvent { EventId = Id, FireAt = FireAt, Timestamp = now };
}

internal sealed class StartSubOrchestrationAction(
    int id, string name, string? version, string instanceId, string? input, IReadOnlyDictionary<string, string>? tags)
    : OrchestrationAction(id)
{
    public string Name { get; } = name;

    public string? Version { get; } = version;

    public string InstanceId { get; } = instanceId;

    public string? Input { get; } = input;

    public IReadOnlyDictionary<string, string>? Tags { get; } = tags;

    public override string Describe() => $"SubOrchestrationCreated '{Name}' (instance '{InstanceId}')";

    public override bool Matches(HistoryEvent recorded) =>
        recorded is SubOrchestrationCreatedEvent e && string.Equals(e.Name, Name, StringComparison.OrdinalIgnoreCase);

    public override HistoryEvent ToHistoryEvent(DateTimeOffset now) => new SubOrchestrationCreatedEvent
    {
        EventId = Id, Name = Name, Version = Version, InstanceId = InstanceId, Input = Input, Tags = Tags, Timestamp = now,
    };
}

internal sealed class SendEventAction(int id, string instanceId, string name, string? input) : OrchestrationAction(id)
{
    public string InstanceId { get; } = instanceId;

    public string Name { get; } = name;

    public string? Input { get; } = input;

    public override string Describe() => $"EventSent '{Name}' to '{InstanceId}'";

    public override bool Matches(HistoryEvent recorded) =>
        recorded is EventSentEvent e && string.Equals(e.Name, Name, StringComparison.OrdinalIgnoreCase);

    public override HistoryEvent ToHistoryEvent(DateTimeOffset now) =>
        new EventSentEvent { EventId = Id, InstanceId = InstanceId, Name = Name, Input = Input, Timestamp = now };
}
