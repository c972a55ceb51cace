namespace Perdure.Core.Entities;

/// <summary>A snapshot of one entity's row, as stores return it.</summary>
/// <remarks>
/// A row exists from the first message sent to the entity until a batch leaves it without state, lock holder and
/// messages. A row without state (<see cref="HasState"/> false) is transient: users see no entity there.
/// </remarks>
public sealed record StoredEntity
{
    /// <summary>The entity id, <c>@name@key</c>.</summary>
    public required string EntityId { get; init; }

    /// <summary>Whether the entity has state (false for a transient row).</summary>
    public required bool HasState { get; init; }

    /// <summary>The serialized state; null when the entity has none or the read asked for no state.</summary>
    public string? State { get; init; }

    /// <summary>When the last batch committed, or when the row was created by a message.</summary>
    public required DateTimeOffset LastModifiedAt { get; init; }

    /// <summary>The critical section that holds the entity's lock; null when unlocked.</summary>
    public EntityCaller? LockHolder { get; init; }

    /// <summary>How many messages wait in the entity's inbox, scheduled ones included.</summary>
    public int BacklogCount { get; init; }
}
