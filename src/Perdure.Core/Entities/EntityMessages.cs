using System.Text.Json.Serialization;

namespace Perdure.Core.Entities;

/// <summary>A one-way operation: nobody waits for its result, and a failure is only logged.</summary>
public sealed record EntitySignalMessage : EntityMessage
{
    /// <summary>The operation name (matched case-insensitively by <c>TaskEntity&lt;TState&gt;</c>).</summary>
    public required string Operation { get; init; }

    /// <summary>The serialized input, if any.</summary>
    public string? Input { get; init; }

    /// <summary>The orchestration instance id or entity id that sent the signal; null when a client sent it.</summary>
    public string? Sender { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override EntityMessageKind Kind => EntityMessageKind.Signal;

    /// <inheritdoc/>
    [JsonIgnore]
    public override string? SenderId => Sender;
}

/// <summary>A two-way operation from an orchestration: its result goes back to <see cref="Caller"/>.</summary>
public sealed record EntityCallMessage : EntityMessage
{
    /// <summary>The operation name (matched case-insensitively by <c>TaskEntity&lt;TState&gt;</c>).</summary>
    public required string Operation { get; init; }

    /// <summary>The serialized input, if any.</summary>
    public string? Input { get; init; }

    /// <summary>The orchestration task that waits for the result.</summary>
    public required EntityCaller Caller { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override EntityMessageKind Kind => EntityMessageKind.Call;

    /// <inheritdoc/>
    [JsonIgnore]
    public override string? SenderId => Caller.InstanceId;
}

/// <summary>
/// A request to lock every entity of <see cref="LockSet"/> for one critical section, travelling the set in order: the
/// entity at <see cref="Position"/> locks itself for <see cref="Caller"/>, then forwards the request to the next entity,
/// or, being the last, grants the locks to the orchestration.
/// </summary>
public sealed record EntityLockRequestMessage : EntityMessage
{
    /// <summary>The orchestration's lock request: the critical section's identity, and where the grant goes.</summary>
    public required EntityCaller Caller { get; init; }

    /// <summary>The entity ids to lock, sorted ordinally without duplicates: the one global order that prevents deadlocks.</summary>
    public required IReadOnlyList<string> LockSet { get; init; }

    /// <summary>The index in <see cref="LockSet"/> of the entity this message is addressed to.</summary>
    public int Position { get; init; }

    /// <summary>The entity the request goes to after this one; null when this one is the last and grants the locks.</summary>
    [JsonIgnore]
    public string? NextEntityId => Position + 1 < LockSet.Count ? LockSet[Position + 1] : null;

    /// <inheritdoc/>
    [JsonIgnore]
    public override EntityMessageKind Kind => EntityMessageKind.LockRequest;

    /// <inheritdoc/>
    [JsonIgnore]
    public override string? SenderId => Caller.InstanceId;

    /// <summary>The same request, addressed to the next entity of the lock set.</summary>
    /// <exception cref="InvalidOperationException">This entity is the last of the set.</exception>
    public EntityLockRequestMessage Forwarded(DateTimeOffset now) =>
        NextEntityId is null
            ? throw new InvalidOperationException($"The lock request of {Caller} is at the last entity of its lock set; it is granted, not forwarded.")
            : this with { Position = Position + 1, Timestamp = now };
}

/// <summary>Releases the lock a critical section holds on an entity (or cancels its request still waiting there).</summary>
public sealed record EntityLockReleaseMessage : EntityMessage
{
    /// <summary>The lock request being released; only a lock held by exactly this request is released.</summary>
    public required EntityCaller Caller { get; init; }

    /// <inheritdoc/>
    [JsonIgnore]
    public override EntityMessageKind Kind => EntityMessageKind.LockRelease;

    /// <inheritdoc/>
    [JsonIgnore]
    public override string? SenderId => Caller.InstanceId;
}
