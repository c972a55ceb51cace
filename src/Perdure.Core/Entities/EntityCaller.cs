namespace Perdure.Core.Entities;

/// <summary>
/// The orchestration task that sent a call or a lock request to an entity: where the answer goes, and (for a lock request)
/// the identity of the critical section.
/// </summary>
/// <param name="InstanceId">The orchestration instance.</param>
/// <param name="ExecutionId">The execution that asked; an answer for an execution that has ended is dropped.</param>
/// <param name="TaskId">The orchestration's task id of the call or lock request; the answer completes that task.</param>
public sealed record EntityCaller(string InstanceId, string ExecutionId, int TaskId)
{
    /// <inheritdoc/>
    public override string ToString() => $"{InstanceId} (execution {ExecutionId}, task {TaskId})";
}
