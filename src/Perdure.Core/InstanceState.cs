using Perdure.Core.History;

namespace Perdure.Core;

/// <summary>A snapshot of one orchestration instance's row, as stores return it.</summary>
/// <remarks>
/// Payload fields (<see cref="Input"/>, <see cref="Output"/>, <see cref="CustomStatus"/>) are null when the read asked
/// for no payloads. Everything else is always filled.
/// </remarks>
public sealed record InstanceState
{
    /// <summary>The instance id, unique within a task hub.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The current execution; changes on continue-as-new and restart.</summary>
    public required string ExecutionId { get; init; }

    /// <summary>The orchestrator's name.</summary>
    public required string Name { get; init; }

    /// <summary>The orchestration version, if any.</summary>
    public string? Version { get; init; }

    /// <summary>The runtime status.</summary>
    public required OrchestrationStatus Status { get; init; }

    /// <summary>The serialized input of the current execution.</summary>
    public string? Input { get; init; }

    /// <summary>The serialized output, once completed (or the output given to terminate).</summary>
    public string? Output { get; init; }

    /// <summary>The serialized custom status set by the orchestrator.</summary>
    public string? CustomStatus { get; init; }

    /// <summary>Why the instance failed, when it failed.</summary>
    public FailureDetails? Failure { get; init; }

    /// <summary>When the instance was created (first scheduled).</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the row last changed.</summary>
    public required DateTimeOffset LastUpdatedAt { get; init; }

    /// <summary>When the instance reached a terminal status.</summary>
    public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>The earliest start time, when scheduled for later.</summary>
    public DateTimeOffset? ScheduledStartAt { get; init; }

    /// <summary>User tags.</summary>
    public IReadOnlyDictionary<string, string>? Tags { get; init; }

    /// <summary>The parent, when this is a sub-orchestration.</summary>
    public ParentInstance? Parent { get; init; }

    /// <summary>W3C trace context of the operation that created the instance.</summary>
    public string? TraceParent { get; init; }
}
