using Perdure.Core.Entities;
using Perdure.Core.Storage;

namespace Perdure.Storage.Postgres.Data;

/// <summary>
/// An entity inbox message checked and serialized before its transaction begins, so the transaction only binds it: the
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
        var (name, key) = Split(message.EntityId);
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

        var prepared = new PreparedEntityMessage[messages.Count];
        for (var i = 0; i < prepared.Length; i++)
        {
            prepared[i] = From(messages[i]);
        }

        return prepared;
    }

    /// <summary>
    /// The entity rows a transaction writes, as the three arrays Entities/LockInOrder.sql takes: distinct ids in ordinal
    /// order with the name and key of each.
    /// </summary>
    /// <param name="messages">The messages the transaction sends.</param>
    /// <param name="ownEntityId">The entity whose batch commits, in its exact form; null for an orchestration step.</param>
    public static EntityLockSet LockSet(IEnumerable<PreparedEntityMessage> messages, string? ownEntityId)
    {
        var ids = new SortedSet<string>(messages.Select(m => m.EntityId), StringComparer.Ordinal);
        if (ownEntityId is not null)
        {
            ids.Add(ownEntityId);
        }

        var names = new string[ids.Count];
        var keys = new string[ids.Count];
        var i = 0;
        foreach (var id in ids)
        {
            (names[i], keys[i]) = Split(id);
            i++;
        }

        return new EntityLockSet([.. ids], names, keys);
    }

    // Validated ids have the form '@name@key' with no '@' in the name, so the second '@' separates name and key.
    private static (string Name, string Key) Split(string entityId)
    {
        var separator = entityId.IndexOf('@', 1);
        return (entityId[1..separator], entityId[(separator + 1)..]);
    }
}

/// <summary>Entity rows to lock in one statement, in ordinal id order: the ids with the name and key of each.</summary>
internal sealed record EntityLockSet(string[] EntityIds, string[] EntityNames, string[] EntityKeys);
