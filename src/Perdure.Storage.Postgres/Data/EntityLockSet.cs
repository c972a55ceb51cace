using Perdure.Core.Storage;

namespace Perdure.Storage.Postgres.Data;

/// <summary>
/// Entity rows to lock in one statement (Entities/LockInOrder.sql), in ordinal id order: the distinct ids with the name
/// and key of each.
/// </summary>
internal sealed record EntityLockSet(string[] EntityIds, string[] EntityNames, string[] EntityKeys)
{
    /// <summary>The entity rows a transaction writes.</summary>
    /// <param name="messages">The messages the transaction sends.</param>
    /// <param name="ownEntityId">The entity whose batch commits, in its exact form; null for an orchestration step.</param>
    public static EntityLockSet Of(IEnumerable<PreparedEntityMessage> messages, string? ownEntityId)
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
            (names[i], keys[i]) = PreparedEntityMessage.SplitId(id);
            i++;
        }

        return new EntityLockSet([.. ids], names, keys);
    }
}
