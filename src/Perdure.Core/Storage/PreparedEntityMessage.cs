using Perdure.Core.Entities;

namespace Perdure.Core.Storage;

/// <summary>
/// An entity inbox message checked and serialized before a store's transaction begins, so the transaction only binds it:
/// the entity id with its name and key, the sender, the visibility and the message's JSON. For stores that keep text.
/// </summary>
/// <param name="EntityId">The entity id in its exact form, <c>@name@key</c>.</param>
/// <param name="EntityName">The name part of the id.</param>
/// <param name="EntityKey">The key part of the id.</param>
/// <param name="SenderId">The sending instance or entity; null for a client.</param>
/// <param name="VisibleAt">When the message becomes visible; null for at once.</param>
/// <param name="Json">The message, as <see cref="StoredJson"/> writes it.</param>
public sealed record PreparedEntityMessage(string EntityId, string EntityName, string EntityKey, string? SenderId, DateTimeOffset? VisibleAt, string Json)
{
    /// <summary>Checks <paramref name="message"/> (<see cref="EntityInboxMessage.Validate"/>) and serializes it.</summary>
    /// <exception cref="ArgumentException">The message is null or not valid; the message says why.</exception>
    public static PreparedEntityMessage From(EntityInboxMessage message)
    {
        if (message is null)
        {
            throw new ArgumentException("The entity message is null; give a signal, call, lock request or lock release.", nameof(message));
        }

        message.Validate();
        var (name, key) = SplitId(message.EntityId);
        return new PreparedEntityMessage(message.EntityId, name, key, message.Message.SenderId, message.VisibleAt, StoredJson.Serialize(message.Message));
    }

    /// <summary>Checks and serializes every message of a checkpoint; an empty array for none.</summary>
    /// <exception cref="ArgumentException">The list is null, or one message is null or not valid; the message says why.</exception>
    public static PreparedEntityMessage[] FromAll(IReadOnlyList<EntityInboxMessage>? messages)
    {
        if (messages is null)
        {
            throw new ArgumentException("The checkpoint's EntityMessages is null; use an empty list for none.", nameof(messages));
        }

        if (messages.Count == 0)
        {
            return [];
        }

        var prepared = new PreparedEntityMessage[messages.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            prepared[i] = From(messages[i]);
        }

        return prepared;
    }

    /// <summary>The name and key of a validated entity id.</summary>
    /// <remarks>Validated ids have the form <c>@name@key</c> with no '@' in the name, so the second '@' separates them.</remarks>
    public static (string Name, string Key) SplitId(string entityId)
    {
        ArgumentNullException.ThrowIfNull(entityId);
        var separator = entityId.IndexOf('@', 1);
        return (entityId[1..separator], entityId[(separator + 1)..]);
    }
}
