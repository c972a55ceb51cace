using Perdure.Core.Entities;

namespace Perdure.Core;

/// <summary>Base class of the errors Perdure's stores report.</summary>
public abstract class PerdureStoreException : Exception
{
    /// <summary>Creates the exception.</summary>
    protected PerdureStoreException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}

/// <summary>No instance with the given id exists in the task hub.</summary>
public sealed class InstanceNotFoundException : PerdureStoreException
{
    /// <summary>Creates the exception.</summary>
    public InstanceNotFoundException(string instanceId)
        : base($"No orchestration instance with id '{instanceId}' exists in this task hub.")
    {
        InstanceId = instanceId;
    }

    /// <summary>The id that was not found.</summary>
    public string InstanceId { get; }
}

/// <summary>An instance with the given id already exists in a status that forbids creating it again.</summary>
public sealed class InstanceAlreadyExistsException : PerdureStoreException
{
    /// <summary>Creates the exception.</summary>
    public InstanceAlreadyExistsException(string instanceId, OrchestrationStatus status)
        : base($"An orchestration instance with id '{instanceId}' already exists and is {status}. " +
               "Use another instance id, or wait until it finishes (or purge it) before reusing the id.")
    {
        InstanceId = instanceId;
        Status = status;
    }

    /// <summary>The conflicting id.</summary>
    public string InstanceId { get; }

    /// <summary>The existing instance's status.</summary>
    public OrchestrationStatus Status { get; }
}

/// <summary>
/// The work item's lease is no longer held by this worker (it expired and another worker may own it). Nothing of the
/// attempted commit was written; the worker drops the item.
/// </summary>
public sealed class WorkItemLockLostException : PerdureStoreException
{
    /// <summary>Creates the exception.</summary>
    public WorkItemLockLostException(string what, string lockedBy)
        : base($"The lease on {what} is no longer held by '{lockedBy}'; the step was not committed.")
    {
    }
}

/// <summary>The operation does not apply to the instance in its current status.</summary>
public sealed class InstanceStateException : PerdureStoreException
{
    /// <summary>Creates the exception.</summary>
    public InstanceStateException(string instanceId, OrchestrationStatus status, string message)
        : base(message)
    {
        InstanceId = instanceId;
        Status = status;
    }

    /// <summary>The instance.</summary>
    public string InstanceId { get; }

    /// <summary>Its status when the operation was refused.</summary>
    public OrchestrationStatus Status { get; }
}

/// <summary>
/// The entity is locked by an orchestration's critical section, and the operation is refused while it is
/// (<see cref="Storage.IPerdureStore.PurgeEntityAsync"/>). Nothing was changed.
/// </summary>
public sealed class EntityLockedException : PerdureStoreException
{
    /// <summary>Creates the exception for a purge refused while <paramref name="entityId"/> is locked.</summary>
    public EntityLockedException(string entityId, EntityCaller lockHolder)
        : base($"Entity '{entityId}' is locked by the critical section of orchestration {lockHolder}; it cannot be purged while locked. " +
               "Wait until that orchestration leaves its critical section, or, if it no longer runs, release the orphaned lock with " +
               "CleanEntityStorageAsync (ReleaseOrphanedLocks) first.")
    {
        ArgumentNullException.ThrowIfNull(lockHolder);
        EntityId = entityId;
        LockHolder = lockHolder;
    }

    /// <summary>The locked entity, <c>@name@key</c>.</summary>
    public string EntityId { get; }

    /// <summary>The critical section that holds the lock.</summary>
    public EntityCaller LockHolder { get; }
}
