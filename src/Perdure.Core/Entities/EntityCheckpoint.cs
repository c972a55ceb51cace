namespace Perdure.Core.Entities;

/// <summary>Everything one entity batch writes. A store commits all of it in one transaction, or none.</summary>
/// <remarks>
/// After the commit the store deletes the entity row if it is left with no state, no lock holder and no inbox message.
/// </remarks>
public sealed record EntityCheckpoint
{
    /// <summary>The serialized state after the batch; null deletes the state.</summary>
    public required string? State { get; init; }

    /// <summary>The lock holder after the batch; null when the entity is unlocked.</summary>
    public EntityCaller? LockHolder { get; init; }

    /// <summary>The ids of the inbox messages this batch consumed; exactly these are deleted.</summary>
    public IReadOnlyList<long> ConsumedMessageIds { get; init; } = [];

    /// <summary>Messages to entities: signals the operations sent, a forwarded lock request. Missing rows are created.</summary>
    public IReadOnlyList<EntityInboxMessage> EntityMessages { get; init; } = [];

    /// <summary>Messages to orchestrations: call results and a lock grant. A message to an instance that does not exist is dropped.</summary>
    public IReadOnlyList<InstanceMessage> InstanceMessages { get; init; } = [];

    /// <summary>
    /// Orchestrations the operations started. One whose id names an instance that is Pending, Running or Suspended is not
    /// created (the existing instance is left alone); a finished one is replaced.
    /// </summary>
    public IReadOnlyList<NewInstance> NewOrchestrations { get; init; } = [];
}
