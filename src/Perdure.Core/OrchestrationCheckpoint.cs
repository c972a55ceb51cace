using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Core;

/// <summary>Everything one orchestration step writes. A store commits all of it in one transaction, or none.</summary>
public sealed record OrchestrationCheckpoint
{
    /// <summary>The execution the step ran against (the work item's).</summary>
    public required string ExecutionId { get; init; }

    /// <summary>
    /// Events to append to the execution's history, numbered on from <see cref="OrchestrationWorkItem.HistoryLength"/>.
    /// When <see cref="NewExecutionId"/> is set, these belong to the old execution and the new execution's history is
    /// <see cref="NewExecutionHistory"/>.
    /// </summary>
    public IReadOnlyList<HistoryEvent> NewEvents { get; init; } = [];

    /// <summary>Set on continue-as-new: the execution that replaces the current one.</summary>
    public string? NewExecutionId { get; init; }

    /// <summary>On continue-as-new: the first events of the new execution (its <see cref="ExecutionStartedEvent"/>).</summary>
    public IReadOnlyList<HistoryEvent> NewExecutionHistory { get; init; } = [];

    /// <summary>The instance row after the step (status, output, custom status, failure, input on continue-as-new).</summary>
    public required InstanceState Instance { get; init; }

    /// <summary>The ids of the inbox messages this step consumed; exactly these are deleted.</summary>
    public IReadOnlyList<long> ConsumedMessageIds { get; init; } = [];

    /// <summary>Activity calls to enqueue.</summary>
    public IReadOnlyList<ActivityTask> ActivityTasks { get; init; } = [];

    /// <summary>
    /// The first activity calls the committing worker runs itself: the store writes them already leased to it, so no other
    /// worker claims them and no claim is needed. Null (the default): every call is claimable at once by any worker.
    /// </summary>
    /// <remarks>
    /// A worker asks for as many as it has free activity slots: they run where the orchestration's state is cached, so
    /// their results can commit together with its next step. If the worker dies, their leases run out and any worker
    /// claims them.
    /// </remarks>
    public ActivityLeaseRequest? LeaseActivities { get; init; }

    /// <summary>Messages to enqueue: timers to self, events to other instances, results to a parent.</summary>
    /// <remarks>A message to an instance that does not exist is dropped.</remarks>
    public IReadOnlyList<InstanceMessage> Messages { get; init; } = [];

    /// <summary>
    /// Messages to entities: the calls, signals, lock requests and lock releases the step sends, each into its entity's
    /// inbox (the entity row is created if missing), in list order, visible at <see cref="EntityInboxMessage.VisibleAt"/>.
    /// </summary>
    /// <remarks>Each must pass <see cref="EntityInboxMessage.Validate"/>; a store refuses the checkpoint otherwise.</remarks>
    public IReadOnlyList<EntityInboxMessage> EntityMessages { get; init; } = [];

    /// <summary>Sub-orchestrations to create.</summary>
    /// <remarks>
    /// If an instance with the id is Pending, Running or Suspended, it is left alone and the parent named in
    /// <see cref="ExecutionStartedEvent.Parent"/> receives a <see cref="SubOrchestrationFailedEvent"/> saying so.
    /// </remarks>
    public IReadOnlyList<NewInstance> SubOrchestrations { get; init; } = [];
}
