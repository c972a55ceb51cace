using Perdure.Core.History;

namespace Perdure.Core.Entities;

/// <summary>The outcome of one entity operation: its serialized result, or why it failed.</summary>
public sealed record EntityOperationResult
{
    private EntityOperationResult(string? result, FailureDetails? failure)
    {
        Result = result;
        Failure = failure;
    }

    /// <summary>The serialized result; null when the operation returned nothing (or null) or failed.</summary>
    public string? Result { get; }

    /// <summary>Why the operation failed; null when it succeeded.</summary>
    public FailureDetails? Failure { get; }

    /// <summary>Whether the operation succeeded (its state change and actions were kept).</summary>
    public bool IsSuccess => Failure is null;

    /// <summary>A successful operation.</summary>
    public static EntityOperationResult Success(string? result) => new(result, null);

    /// <summary>A failed operation; its state change and actions were rolled back.</summary>
    public static EntityOperationResult Failed(FailureDetails failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return new EntityOperationResult(null, failure);
    }
}
