using Perdure.Core.History;

namespace Perdure.Engine.Replay;

/// <summary><c>Entities.CallEntityAsync</c>: a two-way operation; matched on the entity id and the operation name.</summary>
internal sealed class CallEntityAction(int id, string entityId, string operation, string? input) : OrchestrationAction(id)
{
    public string EntityId { get; } = entityId;

    public string Operation { get; } = operation;

    public override string Describe() => Describe(HistoryEventType.EntityOperationCalled, Operation, EntityId);

    // Entity ids are compared ordinally (the name is lower-case already); operations as dispatch matches them.
    public override bool Matches(HistoryEvent recorded) =>
        recorded is EntityOperationCalledEvent e
        && string.Equals(e.EntityId, EntityId, StringComparison.Ordinal)
        && string.Equals(e.Operation, Operation, StringComparison.OrdinalIgnoreCase);

    public override HistoryEvent ToHistoryEvent(DateTimeOffset now) =>
        new EntityOperationCalledEvent { EventId = Id, EntityId = EntityId, Operation = Operation, Input = input, Timestamp = now };

    internal static string Describe(HistoryEventType kind, string operation, string entityId) => $"{kind} '{operation}' on '{entityId}'";
}

/// <summary><c>Entities.SignalEntityAsync</c>: a one-way operation; matched like a call. Signal times are not compared.</summary>
internal sealed class SignalEntityAction(int id, string entityId, string operation, string? input, DateTimeOffset? scheduledAt)
    : OrchestrationAction(id)
{
    public string EntityId { get; } = entityId;

    public string Operation { get; } = operation;

    public override string Describe() => CallEntityAction.Describe(HistoryEventType.EntityOperationSignaled, Operation, EntityId);

    public override bool Matches(HistoryEvent recorded) =>
        recorded is EntityOperationSignaledEvent e
        && string.Equals(e.EntityId, EntityId, StringComparison.Ordinal)
        && string.Equals(e.Operation, Operation, StringComparison.OrdinalIgnoreCase);

    public override HistoryEvent ToHistoryEvent(DateTimeOffset now) => new EntityOperationSignaledEvent
    {
        EventId = Id, EntityId = EntityId, Operation = Operation, Input = input, ScheduledAt = scheduledAt, Timestamp = now,
    };
}

/// <summary><c>Entities.LockEntitiesAsync</c>: a lock request for a sorted set without duplicates; matched on the set.</summary>
internal sealed class LockEntitiesAction(int id, IReadOnlyList<string> lockSet) : OrchestrationAction(id)
{
    public IReadOnlyList<string> LockSet { get; } = lockSet;

    public override string Describe() => DescribeRequest(LockSet);

    public override bool Matches(HistoryEvent recorded) =>
        recorded is EntityLockRequestedEvent e && LockSets.Normalize(e.LockSet).SequenceEqual(LockSet, StringComparer.Ordinal);

    public override HistoryEvent ToHistoryEvent(DateTimeOffset now) =>
        new EntityLockRequestedEvent { EventId = Id, LockSet = LockSet, Timestamp = now };

    internal static string DescribeRequest(IReadOnlyList<string> lockSet) =>
        $"{HistoryEventType.EntityLockRequested} ({string.Join(", ", lockSet)})";
}

/// <summary>Disposing a critical section's lock: releases to every entity of the set. Only the kind is matched.</summary>
internal sealed class ReleaseLocksAction(int id, int lockRequestId, IReadOnlyList<string> lockSet) : OrchestrationAction(id)
{
    public int LockRequestId { get; } = lockRequestId;

    public IReadOnlyList<string> LockSet { get; } = lockSet;

    public override string Describe() => $"{HistoryEventType.EntityUnlockSent} (lock request {LockRequestId})";

    // The lock set follows from the lock request, which is matched itself.
    public override bool Matches(HistoryEvent recorded) => recorded is EntityUnlockSentEvent;

    public override HistoryEvent ToHistoryEvent(DateTimeOffset now) =>
        new EntityUnlockSentEvent { EventId = Id, LockRequestId = LockRequestId, LockSet = LockSet, Timestamp = now };
}

/// <summary>Lock sets: entity ids sorted ordinally without duplicates, the one global order that prevents deadlocks.</summary>
internal static class LockSets
{
    public static IReadOnlyList<string> Normalize(IEnumerable<string> entityIds) =>
        [.. entityIds.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];

    public static string Format(IEnumerable<string> lockSet) => string.Join(", ", lockSet);
}
