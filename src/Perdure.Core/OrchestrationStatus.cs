namespace Perdure.Core;

/// <summary>
/// The runtime status of an orchestration instance. The numbers match the SDK's
/// <c>OrchestrationRuntimeStatus</c> and are persisted: never renumber.
/// </summary>
public enum OrchestrationStatus
{
    /// <summary>Started and not yet finished.</summary>
    Running = 0,

    /// <summary>Finished with an output.</summary>
    Completed = 1,

    /// <summary>Restarted with new input; only seen in the history of an old execution.</summary>
    ContinuedAsNew = 2,

    /// <summary>Finished with an error.</summary>
    Failed = 3,

    /// <summary>Reserved by the SDK; not produced by Perdure.</summary>
    Canceled = 4,

    /// <summary>Stopped by a terminate request.</summary>
    Terminated = 5,

    /// <summary>Created, not yet started by a worker.</summary>
    Pending = 6,

    /// <summary>Paused by a suspend request; holds its messages until resumed.</summary>
    Suspended = 7,
}

/// <summary>Helpers on <see cref="OrchestrationStatus"/>.</summary>
public static class OrchestrationStatusExtensions
{
    /// <summary>Whether the instance has finished and will not change again unless restarted.</summary>
    public static bool IsTerminal(this OrchestrationStatus status) => status
        is OrchestrationStatus.Completed
        or OrchestrationStatus.Failed
        or OrchestrationStatus.Terminated
        or OrchestrationStatus.Canceled;
}
