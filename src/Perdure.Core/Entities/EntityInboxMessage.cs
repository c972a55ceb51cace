namespace Perdure.Core.Entities;

/// <summary>A message in an entity's inbox, as stores keep it: the message plus where it goes and when it may be served.</summary>
public sealed record EntityInboxMessage
{
    /// <summary>The receiving entity, <c>@name@key</c>.</summary>
    public required string EntityId { get; init; }

    /// <summary>The message.</summary>
    public required EntityMessage Message { get; init; }

    /// <summary>When the message becomes visible to workers (a scheduled signal); null for at once.</summary>
    public DateTimeOffset? VisibleAt { get; init; }

    /// <summary>The store's id for the message; 0 until stored. Ids grow in arrival order per store.</summary>
    public long MessageId { get; init; }
}
