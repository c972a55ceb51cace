using Perdure.Core.Entities;

namespace Perdure.Engine.Entities;

/// <summary>What a batch of entity operations produced; the dispatcher turns it into an <see cref="EntityCheckpoint"/>.</summary>
/// <param name="State">The serialized state after the batch; null when the entity has none (deleted, or never set).</param>
/// <param name="Results">One result per operation that ran, in order. Fewer than requested only when the batch was
/// cancelled; the operations that did not run stay in the inbox.</param>
/// <param name="Actions">The signals and orchestration starts of the successful operations, in the order they were asked for.</param>
internal sealed record EntityBatchResult(string? State, IReadOnlyList<EntityOperationResult> Results, IReadOnlyList<EntityAction> Actions);
