using Perdure.Core.History;

namespace Perdure.Core;

/// <summary>A message in an instance's inbox: an event that a future step of that instance will consume.</summary>
/// <remarks>
/// Everything that changes an instance arrives this way (start, activity results, timers, external events, terminate,
/// suspend, resume), so every change passes through the same claim, execute and checkpoint path.
/// </remarks>
public sealed record InstanceMessage
{
    /// <summary>The receiving instance.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The execution this message is for; null for any (the current one when it is consumed).</summary>
    /// <remarks>Results of activities and timers name their execution and are dropped if it has ended.</remarks>
    public string? ExecutionId { get; init; }

    /// <summary>The event to deliver.</summary>
    public required HistoryEvent Event { get; init; }

    /// <summary>When the message becomes visible to workers; null for at once.</summary>
    public DateTimeOffset? VisibleAt { get; init; }

    /// <summary>The store's id for the message; 0 until stored. Ids grow in arrival order per store.</summary>
    public long MessageId { get; init; }
}
