using Perdure.Core.History;

namespace Perdure.Core;

/// <summary>What a store needs to create an orchestration instance.</summary>
public sealed record NewInstance
{
    /// <summary>The new instance's id.</summary>
    public required string InstanceId { get; init; }

    /// <summary>The first event of the execution; its <see cref="ExecutionStartedEvent.ExecutionId"/> names it.</summary>
    public required ExecutionStartedEvent Started { get; init; }

    /// <summary>
    /// Statuses of an existing instance with the same id that make creation fail with
    /// <see cref="InstanceAlreadyExistsException"/>. An existing instance in any other status is replaced by the new one.
    /// Regardless of this list, an existing instance that is Pending, Running or Suspended is never replaced.
    /// </summary>
    public IReadOnlyCollection<OrchestrationStatus> DedupeStatuses { get; init; } = [];
}
