using System.Text.Json.Serialization;

namespace Perdure.Core.Entities;

/// <summary>A message in an entity's inbox: an operation to run, or a step of the lock protocol.</summary>
/// <remarks>
/// Messages are immutable records, stored as System.Text.Json with a <c>$type</c> discriminator. Stores keep
/// <see cref="SenderId"/> in a column of its own: while an entity is locked, only messages whose sender is the lock
/// holder's orchestration may be served, and the store counts only those when it decides whether the entity is claimable.
/// </remarks>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "$type")]
[JsonDerivedType(typeof(EntitySignalMessage), "Signal")]
[JsonDerivedType(typeof(EntityCallMessage), "Call")]
[JsonDerivedType(typeof(EntityLockRequestMessage), "LockRequest")]
[JsonDerivedType(typeof(EntityLockReleaseMessage), "LockRelease")]
public abstract record EntityMessage
{
    /// <summary>When the message was sent (UTC).</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>The kind of this message, for storage columns and logs.</summary>
    [JsonIgnore]
    public abstract EntityMessageKind Kind { get; }

    /// <summary>
    /// Who sent it: an orchestration instance id or an entity id; null for a client. Messages of one sender arrive in the
    /// order they were sent.
    /// </summary>
    [JsonIgnore]
    public abstract string? SenderId { get; }
}

/// <summary>The kinds of <see cref="EntityMessage"/>. Values are persisted: never renumber.</summary>
public enum EntityMessageKind
{
    /// <summary><see cref="EntitySignalMessage"/>.</summary>
    Signal = 0,

    /// <summary><see cref="EntityCallMessage"/>.</summary>
    Call = 1,

    /// <summary><see cref="EntityLockRequestMessage"/>.</summary>
    LockRequest = 2,

    /// <summary><see cref="EntityLockReleaseMessage"/>.</summary>
    LockRelease = 3,
}
