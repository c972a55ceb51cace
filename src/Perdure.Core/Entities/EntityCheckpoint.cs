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

    /// <summary>
    /// The ids of the inbox messages this batch consumed; exactly these are deleted. Each must be one of the work item's
    /// messages: a batch consumes only what its claim delivered.
    /// </summary>
    public IReadOnlyList<long> ConsumedMessageIds { get; init; } = [];

    /// <summary>
    /// Messages to entities: signals the operations sent, a forwarded lock request. Missing rows are created; a message to
    /// the batch's own entity stays in its inbox for a later batch.
    /// </summary>
    public IReadOnlyList<EntityInboxMessage> EntityMessages { get; init; } = [];

    /// <summary>
    /// Messages to orchestrations: call results and a lock grant, each addressed to the calling execution. A message to
    /// an instance that does not exist is dropped; one to an execution that has ended is delivered, and the engine drops it.
    /// </summary>
    public IReadOnlyList<InstanceMessage> InstanceMessages { get; init; } = [];

    /// <summary>
    /// Orchestrations the operations started, with no parent. One whose id names an instance that is Pending, Running or
    /// Suspended, or whose status is in the request's <see cref="NewInstance.DedupeStatuses"/>, is not created (the existing
    /// instance is left alone, and the commit reports the id); any other existing instance is replaced.
    /// </summary>
    public IReadOnlyList<NewInstance> NewOrchestrations { get; init; } = [];

    /// <summary>
    /// Checks that this checkpoint can commit <paramref name="workItem"/>'s batch: it consumes only messages the work item
    /// delivered, its lock holder is complete, and everything it sends is well formed (entity messages pass
    /// <see cref="EntityInboxMessage.Validate"/>; instance messages and new orchestrations name orchestration instance ids,
    /// not entity ids).
    /// </summary>
    /// <exception cref="ArgumentException">It cannot; the message names the problem.</exception>
    public void Validate(EntityWorkItem workItem)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var entityId = workItem.EntityId;
        if (ConsumedMessageIds is null || EntityMessages is null || InstanceMessages is null || NewOrchestrations is null)
        {
            throw new ArgumentException($"The checkpoint of entity '{entityId}' has a null list; use empty lists for nothing.");
        }

        if (ConsumedMessageIds.Count > 0)
        {
            var delivered = new HashSet<long>(workItem.Messages.Count);
            foreach (var message in workItem.Messages)
            {
                delivered.Add(message.MessageId);
            }

            foreach (var id in ConsumedMessageIds)
            {
                if (!delivered.Contains(id))
                {
                    throw new ArgumentException(
                        $"The checkpoint of entity '{entityId}' consumes message {id}, which its work item did not deliver; " +
                        "a batch consumes only messages its claim returned.");
                }
            }
        }

        if (LockHolder is { } holder
            && (string.IsNullOrEmpty(holder.InstanceId) || string.IsNullOrEmpty(holder.ExecutionId) || EntityId.IsEntityId(holder.InstanceId)))
        {
            throw new ArgumentException(
                $"The checkpoint of entity '{entityId}' sets lock holder '{holder}'; a lock holder names an orchestration instance and its execution.");
        }

        foreach (var message in EntityMessages)
        {
            if (message is null)
            {
                throw new ArgumentException($"The checkpoint of entity '{entityId}' sends a null entity message.");
            }

            message.Validate();
        }

        foreach (var message in InstanceMessages)
        {
            if (message is null || string.IsNullOrEmpty(message.InstanceId) || EntityId.IsEntityId(message.InstanceId) || message.Event is null)
            {
                throw new ArgumentException(
                    $"The checkpoint of entity '{entityId}' sends an instance message without an orchestration instance id or event " +
                    $"('{message?.InstanceId}'); entity messages go in EntityMessages.");
            }
        }

        foreach (var start in NewOrchestrations)
        {
            if (start is null || string.IsNullOrEmpty(start.InstanceId) || EntityId.IsEntityId(start.InstanceId) || start.Started is null)
            {
                throw new ArgumentException(
                    $"The checkpoint of entity '{entityId}' starts an orchestration with instance id '{start?.InstanceId}'; " +
                    "orchestration instance ids are not empty and do not start with '@'.");
            }
        }
    }
}
