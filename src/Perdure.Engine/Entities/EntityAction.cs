using Perdure.Core.Entities;

namespace Perdure.Engine.Entities;

/// <summary>Something an entity operation asked for; it takes effect only if the batch commits and the operation succeeded.</summary>
internal abstract record EntityAction;

/// <summary><c>Context.SignalEntity</c>: a one-way operation on another entity (or the same one).</summary>
/// <param name="Target">The entity to signal.</param>
/// <param name="Operation">The operation name.</param>
/// <param name="Input">The serialized input, or null.</param>
/// <param name="ScheduledAt">When the target should receive it (UTC); null for at once.</param>
internal sealed record SignalEntityAction(EntityId Target, string Operation, string? Input, DateTimeOffset? ScheduledAt) : EntityAction;

/// <summary><c>Context.ScheduleNewOrchestration</c>: an orchestration to start.</summary>
/// <param name="InstanceId">The new instance's id (the caller's, or a generated GUID).</param>
/// <param name="Name">The orchestrator name.</param>
/// <param name="Version">The orchestration version, if any.</param>
/// <param name="Input">The serialized input, or null.</param>
/// <param name="StartAt">The earliest start time (UTC); null for at once.</param>
/// <param name="Tags">User tags, if any.</param>
internal sealed record StartOrchestrationAction(
    string InstanceId, string Name, string? Version, string? Input, DateTimeOffset? StartAt, IReadOnlyDictionary<string, string>? Tags)
    : EntityAction;
