using Perdure.Core.Entities;

namespace Perdure.Engine.Entities;

/// <summary>
/// Picks the messages of one entity batch from everything visible in the entity's inbox, following the rules of
/// docs/entities.md ("Serving the inbox"): a locked entity serves only its lock holder; a lock request or the release of
/// the lock ends the batch; stale releases are consumed and ignored; a batch runs at most a given number of operations.
/// </summary>
internal static class EntityBatchPlanner
{
    /// <param name="entity">The entity row as claimed (its lock holder).</param>
    /// <param name="messages">The visible inbox messages in arrival order.</param>
    /// <param name="maxOperations">The most operations one batch runs.</param>
    public static EntityBatchPlan Plan(StoredEntity entity, IReadOnlyList<EntityInboxMessage> messages, int maxOperations)
    {
        ArgumentNullException.ThrowIfNull(entity);
        ArgumentNullException.ThrowIfNull(messages);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxOperations, 1);
        var entityId = EntityId.Parse(entity.EntityId);
        var holder = entity.LockHolder;
        var consumed = new List<EntityInboxMessage>();
        var operations = new List<PlannedOperation>();
        var cancelledReleases = new HashSet<EntityInboxMessage>(ReferenceEqualityComparer.Instance);
        EntityLockRequestMessage? acquired = null;
        var waiting = 0;

        for (var i = 0; i < messages.Count; i++)
        {
            var inbox = messages[i];
            if (cancelledReleases.Contains(inbox))
            {
                continue; // consumed together with the lock request it cancelled
            }

            if (holder is not null && inbox.Message.SenderId != holder.InstanceId)
            {
                waiting++;
                continue; // waits in its place until the lock is released
            }

            if (inbox.Message is EntitySignalMessage or EntityCallMessage)
            {
                if (operations.Count == maxOperations)
                {
                    break;
                }

                consumed.Add(inbox);
                operations.Add(inbox.Message switch
                {
                    EntityCallMessage call => new PlannedOperation(inbox, new EntityOperationRequest(call.Operation, call.Input), call.Caller),
                    EntitySignalMessage signal => new PlannedOperation(inbox, new EntityOperationRequest(signal.Operation, signal.Input), null),
                    _ => throw new InvalidOperationException("unreachable"),
                });
                continue;
            }

            if (inbox.Message is EntityLockRequestMessage request)
            {
                consumed.Add(inbox);
                if (FindRelease(messages, i + 1, request.Caller) is { } release)
                {
                    // Its orchestration ended while the request travelled: nothing to lock, nothing to forward.
                    consumed.Add(release);
                    cancelledReleases.Add(release);
                    continue;
                }

                if (request.Position < 0 || request.Position >= request.LockSet.Count
                    || !string.Equals(request.LockSet[request.Position], entityId.ToString(), StringComparison.Ordinal))
                {
                    continue; // not addressed to this entity: dropped rather than granted wrongly
                }

                holder = request.Caller;
                acquired = request;
                break;
            }

            if (inbox.Message is EntityLockReleaseMessage releaseMessage)
            {
                consumed.Add(inbox);
                if (holder is not null && holder == releaseMessage.Caller)
                {
                    holder = null;
                    break; // the messages that waited go first, in the next batch
                }
            }
        }

        return new EntityBatchPlan(entityId, entity.LockHolder, consumed, operations, holder, acquired, waiting);
    }

    private static EntityInboxMessage? FindRelease(IReadOnlyList<EntityInboxMessage> messages, int from, EntityCaller caller)
    {
        for (var i = from; i < messages.Count; i++)
        {
            if (messages[i].Message is EntityLockReleaseMessage release && release.Caller == caller)
            {
                return messages[i];
            }
        }

        return null;
    }
}
