namespace Perdure.Core.Entities;

/// <summary>One operation of an entity batch: what to run, with which input.</summary>
/// <param name="Operation">The operation name.</param>
/// <param name="Input">The serialized input, or null for none.</param>
public sealed record EntityOperationRequest(string Operation, string? Input = null);
