using Perdure.Core.Entities;
using Perdure.Core.Storage;

namespace Perdure.Storage.Sqlite.Data;

/// <summary>
/// An entity inbox message checked and serialized on the caller's thread, so that the writer only binds it: the
/// entity id with its name and key, the sender, the visibility and the message's JSON.
/// </summary>
internal sealed record PreparedEntityMessage(string EntityId, string EntityName, string EntityKey, string? SenderId, DateTimeOffset? VisibleAt, string Json)
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
        var id = message.EntityId;
        // Validated: '@name@key', the name without '@', so the second '@' separates them.
        var separator = id.IndexOf('@', 1);
        return new PreparedEntityMessage(
            id, id[1..separator], id[(separator + 1)..], message.Message.SenderId, message.VisibleAt, StoredJson.Serialize(message.Message));
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
}
