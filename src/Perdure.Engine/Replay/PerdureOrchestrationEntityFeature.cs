using System.Diagnostics.CodeAnalysis;
using Microsoft.DurableTask.Entities;
using Perdure.Engine.Entities;

namespace Perdure.Engine.Replay;

/// <summary>
/// Perdure's <see cref="TaskOrchestrationEntityFeature"/> (<c>context.Entities</c>): every call, signal, lock request and
/// release is an action with a task id, recorded in history and matched on replay like an activity call; results and
/// grants complete only through history. See docs/entities.md, "Orchestrations: history and determinism".
/// </summary>
/// <remarks>
/// Ids and arguments are checked, and the critical-section rules applied, before anything is recorded: a refused call
/// throws synchronously into the orchestrator code and takes no task id.
/// </remarks>
internal sealed class PerdureOrchestrationEntityFeature(OrchestrationRuntime runtime) : TaskOrchestrationEntityFeature
{
    /// <inheritdoc/>
    /// <remarks>A failed operation throws <see cref="EntityOperationFailedException"/>; calls are not retried.</remarks>
    public override Task<TResult> CallEntityAsync<TResult>(
        EntityInstanceId id, string operationName, object? input = null, CallEntityOptions? options = null) =>
        Deserialize<TResult>(Call(id, operationName, input));

    /// <inheritdoc/>
    public override Task CallEntityAsync(EntityInstanceId id, string operationName, object? input = null, CallEntityOptions? options = null) =>
        Call(id, operationName, input);

    /// <inheritdoc/>
    /// <remarks>The returned task is already complete: the signal is sent when the step commits.</remarks>
    public override Task SignalEntityAsync(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null)
    {
        runtime.EnsureOnOrchestratorThread();
        var entityId = SdkEntityIds.ToCore(id, nameof(id)).ToString();
        ArgumentException.ThrowIfNullOrEmpty(operationName);
        runtime.SignalEntity(entityId, operationName, Serialize(input), options?.SignalTime);
        return Task.CompletedTask;
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The ids are sorted ordinally (<c>@name@key</c>) and de-duplicated; the locks are taken in that order whatever the
    /// order given. Disposing the returned object releases them (a second dispose does nothing); so does the end of the
    /// execution.
    /// </remarks>
    public override Task<IAsyncDisposable> LockEntitiesAsync(IEnumerable<EntityInstanceId> entityIds)
    {
        ArgumentNullException.ThrowIfNull(entityIds);
        runtime.EnsureOnOrchestratorThread();
        var lockSet = LockSets.Normalize(entityIds.Select(id => SdkEntityIds.ToCore(id, nameof(entityIds)).ToString()));
        if (lockSet.Count == 0)
        {
            throw new ArgumentException("LockEntitiesAsync needs at least one entity id.", nameof(entityIds));
        }

        return Acquire(runtime.LockEntities(lockSet));
    }

    /// <inheritdoc/>
    /// <remarks>True once <see cref="LockEntitiesAsync(IEnumerable{EntityInstanceId})"/> completed (not while the locks
    /// are being acquired) until they are released; lists the whole lock set, in lock order.</remarks>
    public override bool InCriticalSection([NotNullWhen(true)] out IReadOnlyList<EntityInstanceId>? entityIds)
    {
        runtime.EnsureOnOrchestratorThread();
        if (runtime.HeldLocks is { } held)
        {
            entityIds = [.. held.Select(id => SdkEntityIds.ToSdk(Core.Entities.EntityId.Parse(id)))];
            return true;
        }

        entityIds = [];
        return false;
    }

    private Task<string?> Call(EntityInstanceId id, string operationName, object? input)
    {
        runtime.EnsureOnOrchestratorThread();
        var entityId = SdkEntityIds.ToCore(id, nameof(id)).ToString();
        ArgumentException.ThrowIfNullOrEmpty(operationName);
        return runtime.CallEntity(id, entityId, operationName, Serialize(input));
    }

    private async Task<TResult> Deserialize<TResult>(Task<string?> call)
    {
        var result = await call;
        return result is null ? default! : runtime.Converter.Deserialize<TResult>(result)!;
    }

    private async Task<IAsyncDisposable> Acquire(Task<int> grant)
    {
        var lockRequestId = await grant;
        return new LockReleaser(runtime, lockRequestId);
    }

    private string? Serialize(object? value) => value is null ? null : runtime.Converter.Serialize(value);

    /// <summary>What <c>LockEntitiesAsync</c> returns: disposing it leaves the critical section it opened.</summary>
    private sealed class LockReleaser(OrchestrationRuntime runtime, int lockRequestId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            runtime.EnsureOnOrchestratorThread();
            runtime.ReleaseLocks(lockRequestId);
            return ValueTask.CompletedTask;
        }
    }
}
