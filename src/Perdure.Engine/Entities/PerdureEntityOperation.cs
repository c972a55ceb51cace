using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Perdure.Core.Entities;

namespace Perdure.Engine.Entities;

/// <summary>Perdure's <see cref="TaskEntityOperation"/>: one operation of a batch, its name and input.</summary>
internal sealed class PerdureEntityOperation : TaskEntityOperation
{
    private readonly PerdureEntityContext _context;
    private readonly PerdureEntityState _state;
    private readonly DataConverter _converter;
    private readonly string? _input;

    public PerdureEntityOperation(EntityOperationRequest request, PerdureEntityContext context, PerdureEntityState state, DataConverter converter)
    {
        Name = request.Operation;
        _input = request.Input;
        _context = context;
        _state = state;
        _converter = converter;
    }

    /// <inheritdoc/>
    public override string Name { get; }

    /// <inheritdoc/>
    public override TaskEntityContext Context => _context;

    /// <inheritdoc/>
    public override TaskEntityState State => _state;

    /// <inheritdoc/>
    public override bool HasInput => _input is not null;

    /// <summary>The error of the last failed input read, to recognize it when it fails the operation.</summary>
    public (Exception Error, Type Type)? ReadFailure { get; private set; }

    /// <inheritdoc/>
    public override object? GetInput(Type inputType)
    {
        ArgumentNullException.ThrowIfNull(inputType);
        if (_input is null)
        {
            return null;
        }

        try
        {
            return _converter.Deserialize(_input, inputType);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            ReadFailure = (ex, inputType);
            throw;
        }
    }
}
