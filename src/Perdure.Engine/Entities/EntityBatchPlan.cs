using Perdure.Core.Entities;

namespace Perdure.Engine.Entities;

/// <summary>
/// Which of a claimed entity's messages one batch takes, in order, and what they do to its lock. Made by
/// <see cref="EntityBatchPlanner"/>; the operations go to <see cref="EntityBatchExecutor"/>, and
/// <see cref="EntityCheckpointBuilder"/> turns plan and result into the checkpoint.
/// </summary>
internal sealed class EntityBatchPlan
{
    public EntityBatchPlan(
        EntityId entityId,
        EntityCaller? lockHolderBefore,
        IReadOnlyList<EntityInboxMessage> consumed,
        IReadOnlyList<PlannedOperation> operations,
        EntityCaller? lockHolderAfter,
        EntityLockRequestMessage? lockAcquired,
        int waiting)
    {
        EntityId = entityId;
        LockHolderBefore = lockHolderBefore;
        Consumed = consumed;
        Operations = operations;
        LockHolderAfter = lockHolderAfter;
        LockAcquired = lockAcquired;
        Waiting = waiting;
    }

    public EntityId EntityId { get; }

    /// <summary>The lock holder when the entity was claimed.</summary>
    public EntityCaller? LockHolderBefore { get; }

    /// <summary>Every message the batch consumes, in arrival order: operations, the lock request or release that ends the
    /// batch, stale releases, and lock requests cancelled by their own release.</summary>
    public IReadOnlyList<EntityInboxMessage> Consumed { get; }

    /// <summary>The signals and calls to run, in order.</summary>
    public IReadOnlyList<PlannedOperation> Operations { get; }

    /// <summary>The lock holder once the batch commits.</summary>
    public EntityCaller? LockHolderAfter { get; }

    /// <summary>The lock request this batch grants (after its operations): it is forwarded, or granted to the orchestration.</summary>
    public EntityLockRequestMessage? LockAcquired { get; }

    /// <summary>How many visible messages stay in the inbox because the entity is locked by someone else.</summary>
    public int Waiting { get; }

    /// <summary>The operation requests for the executor.</summary>
    public IReadOnlyList<EntityOperationRequest> Requests => [.. Operations.Select(o => o.Request)];

    /// <summary>
    /// The plan for a batch of which only the first <paramref name="operationsRun"/> operations ran (the worker is
    /// stopping): it consumes only what came before the first operation that did not run, and leaves the lock as it was,
    /// since a lock change always comes after the batch's operations.
    /// </summary>
    public EntityBatchPlan Truncate(int operationsRun)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(operationsRun);
        if (operationsRun >= Operations.Count)
        {
            return this;
        }

        var firstNotRun = Operations[operationsRun].Message;
        var cut = Consumed.TakeWhile(m => !ReferenceEquals(m, firstNotRun)).ToList();
        return new EntityBatchPlan(EntityId, LockHolderBefore, cut, [.. Operations.Take(operationsRun)], LockHolderBefore, null, Waiting);
    }
}

/// <summary>One operation of a batch: the message it came from, what to run, and who waits for the result.</summary>
/// <param name="Message">The inbox message.</param>
/// <param name="Request">The operation name and input.</param>
/// <param name="Caller">The orchestration task to answer; null for a signal.</param>
internal sealed record PlannedOperation(EntityInboxMessage Message, EntityOperationRequest Request, EntityCaller? Caller);
