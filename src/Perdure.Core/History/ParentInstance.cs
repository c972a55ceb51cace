namespace Perdure.Core.History;

/// <summary>The orchestration that started a sub-orchestration, and the task in it that waits for the result.</summary>
/// <param name="Name">The parent orchestrator's name.</param>
/// <param name="InstanceId">The parent's instance id.</param>
/// <param name="ExecutionId">The parent's execution the result goes back to.</param>
/// <param name="TaskScheduledId">The parent's task id of the call.</param>
public sealed record ParentInstance(string Name, string InstanceId, string ExecutionId, int TaskScheduledId);
