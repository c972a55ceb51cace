namespace Perdure.Core.Entities;

/// <summary>An entity claimed for one batch, with the messages the batch may consume.</summary>
public sealed class EntityWorkItem
{
    /// <summary>Creates a work item.</summary>
    public EntityWorkItem(StoredEntity entity, IReadOnlyList<EntityInboxMessage> messages, Lease lease)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentNullException.ThrowIfNull(lease);
        Entity = entity;
        Messages = messages;
        Lease = lease;
    }

    /// <summary>The entity row as it was when claimed, state included.</summary>
    public StoredEntity Entity { get; }

    /// <summary>
    /// Every visible inbox message in arrival order, including those a locked entity may not serve yet; the engine picks
    /// the ones the batch takes.
    /// </summary>
    public IReadOnlyList<EntityInboxMessage> Messages { get; }

    /// <summary>The lease; renewing replaces it.</summary>
    public Lease Lease { get; set; }

    /// <summary>The entity id.</summary>
    public string EntityId => Entity.EntityId;
}
