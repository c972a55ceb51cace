namespace Perdure.Engine;

/// <summary>
/// The orchestrator's code no longer produces the history it recorded: replaying it asked for something else (or
/// nothing) where the history has a scheduled task, timer, sub-orchestration, event, entity call, signal, lock request or
/// release.
/// </summary>
/// <remarks>
/// The instance fails with this error. To change an orchestrator safely while instances run, deploy the change under a
/// new orchestrator name or version, or let running instances finish first. See docs/determinism.md.
/// </remarks>
public sealed class NonDeterministicOrchestrationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonDeterministicOrchestrationException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public NonDeterministicOrchestrationException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public NonDeterministicOrchestrationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>
/// The orchestrator did something the replay engine cannot make deterministic: it awaited a task that did not come from
/// the <c>TaskOrchestrationContext</c>, called the context from another thread, or blocked the step.
/// </summary>
public sealed class OrchestratorMisuseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public OrchestratorMisuseException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    public OrchestratorMisuseException()
    {
    }

    /// <summary>Creates the exception.</summary>
    public OrchestratorMisuseException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
