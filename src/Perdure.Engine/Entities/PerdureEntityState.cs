using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace Perdure.Engine.Entities;

/// <summary>
/// Perdure's <see cref="TaskEntityState"/>: the entity's serialized state during one batch, with a snapshot taken before
/// every operation so that a failing operation can be rolled back.
/// </summary>
/// <remarks>
/// The state is kept as the serialized string; <see cref="SetState"/> serializes at once, so the snapshot is immutable.
/// The deserialized object is cached while the state does not change, as the SDK's own executor does, but never across a
/// rollback: a failing operation may have changed the cached object in place.
/// </remarks>
internal sealed class PerdureEntityState : TaskEntityState
{
    private readonly DataConverter _converter;
    private string? _snapshot;
    private object? _cached;

    public PerdureEntityState(DataConverter converter, string? serialized)
    {
        _converter = converter;
        Serialized = _snapshot = serialized;
    }

    /// <summary>The current serialized state; null when the entity has none.</summary>
    public string? Serialized { get; private set; }

    /// <summary>The error of the last failed read in the current operation, to recognize it when it fails the operation.</summary>
    public (Exception Error, Type Type)? ReadFailure { get; private set; }

    /// <inheritdoc/>
    public override bool HasState => Serialized is not null;

    /// <inheritdoc/>
    public override object? GetState(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (Serialized is null)
        {
            return null;
        }

        if (_cached is not null && type.IsInstanceOfType(_cached))
        {
            return _cached;
        }

        try
        {
            _cached = _converter.Deserialize(Serialized, type);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ReadFailure = (ex, type);
            throw;
        }

        return _cached;
    }

    /// <inheritdoc/>
    public override void SetState(object? state)
    {
        // Serialize first: if that throws, the state stays as it was.
        var serialized = state is null ? null : _converter.Serialize(state);
        Serialized = serialized;
        _cached = serialized is null ? null : state;
    }

    /// <summary>Keeps the current state: the operation succeeded.</summary>
    public void Commit()
    {
        _snapshot = Serialized;
        ReadFailure = null;
    }

    /// <summary>Returns to the state before the operation and forgets the cached object.</summary>
    public void Rollback()
    {
        Serialized = _snapshot;
        _cached = null;
        ReadFailure = null;
    }

    /// <summary>Removes the state without reading it (a <c>delete</c> of a state that cannot be read).</summary>
    public void Delete()
    {
        Serialized = null;
        _cached = null;
    }
}
