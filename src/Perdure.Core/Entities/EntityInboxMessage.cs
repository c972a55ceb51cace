namespace Perdure.Core.Entities;

/// <summary>A message in an entity's inbox, as stores keep it: the message plus where it goes and when it may be served.</summary>
public sealed record EntityInboxMessage
{
    /// <summary>The receiving entity, <c>@name@key</c>, in its exact form (<see cref="Entities.EntityId.ParseExact"/>).</summary>
    public required string EntityId { get; init; }

    /// <summary>The message.</summary>
    public required EntityMessage Message { get; init; }

    /// <summary>When the message becomes visible to workers (a scheduled signal); null for at once.</summary>
    public DateTimeOffset? VisibleAt { get; init; }

    /// <summary>The store's id for the message; 0 until stored (a store ignores it on input). Ids grow in arrival order per store.</summary>
    public long MessageId { get; init; }

    /// <summary>
    /// Checks that a store can accept this message: the entity id is valid and in its exact form, and the message is well
    /// formed for it (an operation name on signals and calls, a complete caller on calls, lock requests and releases, and
    /// a lock request addressed to the entity at its <see cref="EntityLockRequestMessage.Position"/> of a sorted lock set
    /// without duplicates).
    /// </summary>
    /// <exception cref="ArgumentException">It is not; the message names the problem.</exception>
    public void Validate()
    {
        if (EntityId is null)
        {
            throw new ArgumentException("The entity message names no entity; set EntityId to '@name@key'.");
        }

        Entities.EntityId.ParseExact(EntityId);
        switch (Message)
        {
            case null:
                throw new ArgumentException($"The message to entity '{EntityId}' is null; give a signal, call, lock request or lock release.");
            case EntitySignalMessage signal:
                RequireOperation(signal.Operation);
                break;
            case EntityCallMessage call:
                RequireOperation(call.Operation);
                RequireCaller(call.Caller, "call");
                break;
            case EntityLockRequestMessage request:
                RequireCaller(request.Caller, "lock request");
                RequireLockSet(request);
                break;
            case EntityLockReleaseMessage release:
                RequireCaller(release.Caller, "lock release");
                break;
            default:
                throw new ArgumentException($"The message to entity '{EntityId}' is a {Message.GetType().Name}, which stores do not know.");
        }
    }

    private void RequireOperation(string? operation)
    {
        if (string.IsNullOrEmpty(operation))
        {
            throw new ArgumentException($"The {Message.Kind} to entity '{EntityId}' names no operation; give the operation's name.");
        }
    }

    private void RequireCaller(EntityCaller? caller, string what)
    {
        if (caller is null || string.IsNullOrEmpty(caller.InstanceId) || string.IsNullOrEmpty(caller.ExecutionId))
        {
            throw new ArgumentException(
                $"The {what} to entity '{EntityId}' has no complete caller (orchestration instance id and execution id); it was '{caller}'.");
        }

        if (Entities.EntityId.IsEntityId(caller.InstanceId))
        {
            throw new ArgumentException(
                $"The {what} to entity '{EntityId}' names '{caller.InstanceId}' as its caller, which is an entity id; only orchestrations call and lock entities.");
        }
    }

    private void RequireLockSet(EntityLockRequestMessage request)
    {
        var lockSet = request.LockSet;
        if (lockSet is null || lockSet.Count == 0)
        {
            throw new ArgumentException($"The lock request of {request.Caller} to entity '{EntityId}' has an empty lock set.");
        }

        for (var i = 0; i < lockSet.Count; i++)
        {
            Entities.EntityId.ParseExact(lockSet[i]);
            if (i > 0 && string.CompareOrdinal(lockSet[i - 1], lockSet[i]) >= 0)
            {
                throw new ArgumentException(
                    $"The lock set of the lock request of {request.Caller} is not sorted ordinally without duplicates " +
                    $"('{lockSet[i - 1]}' before '{lockSet[i]}'); locks are always taken in that order.");
            }
        }

        if (request.Position < 0 || request.Position >= lockSet.Count || !string.Equals(lockSet[request.Position], EntityId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The lock request of {request.Caller} at position {request.Position} of [{string.Join(", ", lockSet)}] is addressed to " +
                $"'{EntityId}'; a lock request goes to the entity at its position in the lock set.");
        }
    }
}
