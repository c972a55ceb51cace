using Microsoft.DurableTask.Entities;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Replay;

/// <summary>
/// The orchestration side of durable entities: calls, signals, lock requests and releases as actions with task ids; the
/// critical section the code is in (driven by its own actions and the grants history delivers); and, separately, the
/// ledger of recorded lock requests that no release followed, from which the engine releases at the end of an execution.
/// </summary>
internal sealed partial class OrchestrationRuntime
{
    private readonly Dictionary<int, EntityCall> _entityCalls = [];
    private readonly LockLedger _lockLedger = new();
    private CriticalSection? _criticalSection;

    /// <summary>The critical section the code holds (granted), or null; drives <c>InCriticalSection</c>.</summary>
    internal IReadOnlyList<string>? HeldLocks => _criticalSection is { Granted: true } section ? section.LockSet : null;

    internal Task<string?> CallEntity(EntityInstanceId sdkId, string entityId, string operation, string? input)
    {
        if (_criticalSection is { } section)
        {
            if (!section.Granted)
            {
                throw new InvalidOperationException(
                    $"Orchestration '{InstanceId}' called '{entityId}' before its lock request completed; await LockEntitiesAsync first.");
            }

            if (!section.Contains(entityId))
            {
                throw new InvalidOperationException(
                    $"Orchestration '{InstanceId}' may only call the entities it locked ({LockSets.Format(section.LockSet)}) inside its " +
                    $"critical section; '{entityId}' is not one of them.");
            }

            if (!section.CallsPending.Add(entityId))
            {
                throw new InvalidOperationException(
                    $"Orchestration '{InstanceId}' already has a call to '{entityId}' pending; await it before calling that entity " +
                    "again inside the critical section.");
            }
        }

        var id = NextTaskId();
        _unrecorded.Add(new CallEntityAction(id, entityId, operation, input));
        _entityCalls[id] = new EntityCall(sdkId, entityId, operation, _criticalSection?.RequestId);
        return Track(id, operation);
    }

    internal void SignalEntity(string entityId, string operation, string? input, DateTimeOffset? scheduledAt)
    {
        if (_criticalSection is { } section && section.Contains(entityId))
        {
            throw new InvalidOperationException(
                $"Orchestration '{InstanceId}' must not signal '{entityId}', which it has {(section.Granted ? "locked" : "asked to lock")}; " +
                "call it instead, or signal it after the critical section.");
        }

        _unrecorded.Add(new SignalEntityAction(NextTaskId(), entityId, operation, input, scheduledAt));
    }

    /// <summary>Requests the locks of <paramref name="lockSet"/> (sorted, without duplicates); the task completes on the grant.</summary>
    internal Task<int> LockEntities(IReadOnlyList<string> lockSet)
    {
        if (_criticalSection is { } section)
        {
            throw new InvalidOperationException(section.Granted
                ? $"Orchestration '{InstanceId}' is already in a critical section holding {LockSets.Format(section.LockSet)}; it cannot " +
                  "lock more entities until it leaves it. Lock every entity you need in one LockEntitiesAsync call."
                : $"Orchestration '{InstanceId}' is already waiting for the locks of {LockSets.Format(section.LockSet)}; it cannot " +
                  "lock more entities until it has left that critical section. Lock every entity you need in one LockEntitiesAsync call.");
        }

        var id = NextTaskId();
        _unrecorded.Add(new LockEntitiesAction(id, lockSet));
        _criticalSection = new CriticalSection(id, lockSet);
        return GrantOf(id, Track(id, "lock"));
    }

    /// <summary>Leaves the critical section of lock request <paramref name="lockRequestId"/>; nothing if the code already left it.</summary>
    internal void ReleaseLocks(int lockRequestId)
    {
        if (_criticalSection is not { Granted: true } section || section.RequestId != lockRequestId)
        {
            return;
        }

        _criticalSection = null;
        _unrecorded.Add(new ReleaseLocksAction(NextTaskId(), section.RequestId, section.LockSet));
    }

    /// <summary>Throws while the code is in a critical section (held or pending): no sub-orchestrations inside.</summary>
    internal void EnsureNoCriticalSectionForSubOrchestration()
    {
        if (_criticalSection is not null)
        {
            throw new InvalidOperationException(
                $"Orchestration '{InstanceId}' cannot start a sub-orchestration inside a critical section (it could wait for an " +
                "entity this orchestration has locked).");
        }
    }

    private static async Task<int> GrantOf(int lockRequestId, Task<string?> grant)
    {
        await grant;
        return lockRequestId;
    }

    // ---- results, applied from history ----

    private void CompleteEntityCall(int taskId, string? result)
    {
        if (ForgetEntityCall(taskId) is not null)
        {
            Complete(taskId, result);
        }
    }

    private void FailEntityCall(int taskId, FailureDetails failure)
    {
        if (ForgetEntityCall(taskId) is { } call && _pending.Remove(taskId, out var pending))
        {
            pending.Source.TrySetException(new EntityOperationFailedException(call.SdkId, call.Operation, Failures.ToSdk(failure)));
        }
    }

    private EntityCall? ForgetEntityCall(int taskId)
    {
        if (!_entityCalls.Remove(taskId, out var call))
        {
            return null;
        }

        // The entity may be called again inside the critical section once its pending call returned.
        if (call.CriticalSectionId is { } sectionId && _criticalSection is { } section && section.RequestId == sectionId)
        {
            section.CallsPending.Remove(call.EntityId);
        }

        return call;
    }

    private void GrantLocks(EntityLockGrantedEvent granted)
    {
        if (_criticalSection is { Granted: false } section && section.RequestId == granted.TaskScheduledId)
        {
            section.Granted = true;
        }

        Complete(granted.TaskScheduledId, null);
    }

    // ---- the engine's releases at the end of an execution ----

    /// <summary>
    /// At the end of an execution: an <see cref="EntityUnlockSentEvent"/> for every recorded lock request no release
    /// followed, decided from recorded events only (so it also holds for a poisoned runtime and a terminated one).
    /// </summary>
    private void AppendReleasesAtEnd(StepOutput step, DateTimeOffset now)
    {
        var releases = _lockLedger.ReleaseAll(_nextTaskId, now);
        step.NewEvents.AddRange(releases);
        _nextTaskId = Math.Max(_nextTaskId, _lockLedger.HighestTaskId + 1);
        _criticalSection = null;
    }

    /// <summary>A grant dropped because its execution has ended: the locks it reports are released again.</summary>
    private static void AnswerLateGrant(InstanceMessage message, string executionId, StepOutput step)
    {
        if (message.Event is EntityLockGrantedEvent granted)
        {
            step.LateGrants.Add(new LateGrant(message.ExecutionId ?? executionId, granted.TaskScheduledId, granted.LockSet));
        }
    }

    /// <summary>A call on its way: where its failure is reported, and the critical section it was made in.</summary>
    private sealed record EntityCall(EntityInstanceId SdkId, string EntityId, string Operation, int? CriticalSectionId);

    /// <summary>The lock request the code made and has not released: pending until granted.</summary>
    private sealed class CriticalSection(int requestId, IReadOnlyList<string> lockSet)
    {
        public int RequestId { get; } = requestId;

        public IReadOnlyList<string> LockSet { get; } = lockSet;

        public bool Granted { get; set; }

        /// <summary>Locked entities with a call on its way; one call at a time per entity.</summary>
        public HashSet<string> CallsPending { get; } = new(StringComparer.Ordinal);

        public bool Contains(string entityId) => LockSet.Contains(entityId, StringComparer.Ordinal);
    }
}
