using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Replay;

/// <summary>What one step of an orchestration produced, before it becomes a checkpoint.</summary>
internal sealed class StepOutput
{
    /// <summary>History events of this step, in order (inbound events, then the scheduled events of new actions, then the end).</summary>
    public List<HistoryEvent> NewEvents { get; } = [];

    /// <summary>Inbox messages the step consumed (applied or dropped).</summary>
    public List<long> ConsumedMessageIds { get; } = [];

    /// <summary>Actions the code asked for in this step, in task id order.</summary>
    public List<OrchestrationAction> NewActions { get; } = [];

    /// <summary>Terminate requests for running sub-orchestrations (recursive terminate).</summary>
    public List<InstanceMessage> ExtraMessages { get; } = [];

    /// <summary>
    /// Lock grants the step dropped because their execution had ended: the locks they report are released again (the
    /// lock request was still travelling when the execution ended, so an earlier release may have missed it).
    /// </summary>
    public List<LateGrant> LateGrants { get; } = [];

    /// <summary>True when the instance has not started yet (its start message is not visible) and nothing else applies.</summary>
    public bool NotStarted { get; set; }
}

/// <summary>How an execution ended.</summary>
/// <param name="Status">Completed, Failed, Terminated or ContinuedAsNew.</param>
/// <param name="Output">The serialized output (for continue-as-new, the new input).</param>
/// <param name="Failure">The failure, when Failed.</param>
internal sealed record ExecutionOutcome(OrchestrationStatus Status, string? Output, FailureDetails? Failure)
{
    /// <summary>Set on continue-as-new.</summary>
    public ContinueAsNewRequest? ContinueAsNew { get; init; }
}

/// <summary>A continue-as-new request.</summary>
/// <param name="Input">The serialized new input.</param>
/// <param name="PreserveUnprocessedEvents">Whether buffered external events carry over.</param>
/// <param name="Version">The new version, if changed.</param>
internal sealed record ContinueAsNewRequest(string? Input, bool PreserveUnprocessedEvents, string? Version);

/// <summary>A lock grant that reached an execution that has ended.</summary>
/// <param name="ExecutionId">The execution the grant was addressed to.</param>
/// <param name="LockRequestId">The task id of the lock request it grants.</param>
/// <param name="LockSet">The entities it locked.</param>
internal sealed record LateGrant(string ExecutionId, int LockRequestId, IReadOnlyList<string> LockSet);
