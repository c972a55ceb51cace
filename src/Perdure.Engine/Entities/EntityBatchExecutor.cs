using System.Reflection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Engine.Entities;

/// <summary>
/// Runs a batch of operations on one entity: creates the entity from the user's registrations in a DI scope of its own,
/// runs the operations one at a time through the SDK's <see cref="ITaskEntity.RunAsync"/>, and rolls back each failing
/// operation's state change and actions without touching the others.
/// </summary>
/// <remarks>
/// Pure: no store, no dispatcher, no clock. The caller commits the returned state, results and actions together with the
/// consumed messages, or nothing. User code never fails the batch itself, only its own operation.
/// </remarks>
internal sealed class EntityBatchExecutor
{
    private const string DeleteOperation = "delete";

    private readonly IDurableTaskFactory _factory;
    private readonly IServiceProvider _services;
    private readonly DataConverter _converter;

    /// <param name="factory">The worker's factory built from the user's registrations (an <see cref="IDurableTaskFactory2"/>).</param>
    /// <param name="services">The root service provider; a scope per batch is created from it.</param>
    /// <param name="converter">The worker's converter for state, inputs and results.</param>
    public EntityBatchExecutor(IDurableTaskFactory factory, IServiceProvider services, DataConverter converter)
    {
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(converter);
        _factory = factory;
        _services = services;
        _converter = converter;
    }

    /// <summary>Runs <paramref name="operations"/> in order against <paramref name="state"/>.</summary>
    /// <param name="entityId">The entity; its name selects the registration.</param>
    /// <param name="state">The serialized state before the batch, or null when the entity has none.</param>
    /// <param name="operations">The operations, in the order they are to run.</param>
    /// <param name="cancellationToken">Checked before each operation: once it fires, no further operation starts (the one
    /// running finishes), and the result holds only the operations that ran.</param>
    public async Task<EntityBatchResult> ExecuteAsync(
        EntityId entityId, string? state, IReadOnlyList<EntityOperationRequest> operations, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entityId);
        ArgumentNullException.ThrowIfNull(operations);
        if (operations.Count == 0)
        {
            return new EntityBatchResult(state, [], []);
        }

        await using var scope = _services.CreateAsyncScope();
        var (entity, unavailable) = CreateEntity(entityId, scope.ServiceProvider);
        if (entity is null)
        {
            // Nothing can run: every operation fails with the reason, and the state stays as it is.
            var failed = EntityOperationResult.Failed(unavailable!);
            return new EntityBatchResult(state, [.. operations.Select(_ => failed)], []);
        }

        var entityState = new PerdureEntityState(_converter, state);
        var context = new PerdureEntityContext(entityId, _converter);
        var results = new List<EntityOperationResult>(operations.Count);
        foreach (var request in operations)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }

            results.Add(await RunAsync(entityId, entity, request, entityState, context).ConfigureAwait(false));
        }

        return new EntityBatchResult(entityState.Serialized, results, [.. context.Actions]);
    }

    private async Task<EntityOperationResult> RunAsync(
        EntityId entityId, ITaskEntity entity, EntityOperationRequest request, PerdureEntityState state, PerdureEntityContext context)
    {
        var operation = new PerdureEntityOperation(request, context, state, _converter);
        try
        {
            var value = await entity.RunAsync(operation).ConfigureAwait(false);
            var result = value is null ? null : _converter.Serialize(value);
            state.Commit();
            context.Commit();
            return EntityOperationResult.Success(result);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var error = Unwrap(ex);
            context.Rollback();
            if (IsDeleteOfUnreadableState(entity, request, state, error))
            {
                // Later SDK versions let the implicit delete remove a state they cannot read; so does Perdure, so that a
                // corrupt entity can always be reset.
                state.Delete();
                state.Commit();
                context.Commit();
                return EntityOperationResult.Success(null);
            }

            var failure = Describe(entityId, entity, request, state, operation, error);
            state.Rollback();
            return EntityOperationResult.Failed(failure);
        }
    }

    private (ITaskEntity? Entity, FailureDetails? Unavailable) CreateEntity(EntityId entityId, IServiceProvider scoped)
    {
        if (_factory is not IDurableTaskFactory2 entities)
        {
            return (null, new FailureDetails(
                typeof(InvalidOperationException).FullName!,
                $"This worker's task factory ({_factory.GetType().FullName}) cannot create entities: it does not implement " +
                "IDurableTaskFactory2. Register entities with AddTasks(r => r.AddEntity<...>()) on the worker builder.")
            { IsNonRetriable = true });
        }

        try
        {
            if (entities.TryCreateEntity(new TaskName(entityId.Name), scoped, out var entity))
            {
                return (entity, null);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A constructor or a dependency that throws fails the batch's operations with that error.
            return (null, Failures.FromException(Unwrap(ex)));
        }

        return (null, new FailureDetails(
            typeof(InvalidOperationException).FullName!,
            $"No entity named '{entityId.Name}' is registered with this worker (entity '{entityId}'). Register it with " +
            $"AddTasks(r => r.AddEntity<...>()) (or AddEntity(\"{entityId.Name}\", sp => ...)) on the worker builder; entity " +
            "names match case-insensitively.")
        { IsNonRetriable = true });
    }

    private static FailureDetails Describe(
        EntityId entityId, ITaskEntity entity, EntityOperationRequest request, PerdureEntityState state, PerdureEntityOperation operation,
        Exception error)
    {
        if (state.ReadFailure is { } stateRead && ReferenceEquals(stateRead.Error, error))
        {
            return Reworded(error,
                $"The state of entity '{entityId}' could not be read as {TypeNames.Describe(stateRead.Type)}: {error.Message} The stored " +
                "state does not fit the entity's state type: fix the type, or send 'delete' to remove the state.");
        }

        if (operation.ReadFailure is { } inputRead && ReferenceEquals(inputRead.Error, error))
        {
            return Reworded(error,
                $"The input of operation '{request.Operation}' on entity '{entityId}' could not be read as " +
                $"{TypeNames.Describe(inputRead.Type)}: {error.Message}");
        }

        if (IsUnknownOperation(entity, request, error))
        {
            return Reworded(error,
                $"Entity '{entityId}' has no operation named '{request.Operation}'. {OperationCatalog.Describe(entity)}");
        }

        return Failures.FromException(error);
    }

    /// <summary>The error's type, stack and inner errors, with a message that says what happened and what to do.</summary>
    private static FailureDetails Reworded(Exception error, string message) =>
        Failures.FromException(error) with { ErrorMessage = message, IsNonRetriable = true };

    private static bool IsDeleteOfUnreadableState(ITaskEntity entity, EntityOperationRequest request, PerdureEntityState state, Exception error) =>
        string.Equals(request.Operation, DeleteOperation, StringComparison.OrdinalIgnoreCase)
        && state.ReadFailure is { } read && ReferenceEquals(read.Error, error)
        && OperationCatalog.TaskEntityBase(entity.GetType()) is not null;

    /// <summary>
    /// Whether <c>TaskEntity&lt;TState&gt;</c> found no method for the operation. It says so with a
    /// <see cref="NotSupportedException"/>, which user code may throw as well; a user's exception comes from a method that
    /// exists.
    /// </summary>
    private static bool IsUnknownOperation(ITaskEntity entity, EntityOperationRequest request, Exception error) =>
        error is NotSupportedException
        && OperationCatalog.TaskEntityBase(entity.GetType()) is not null
        && !OperationCatalog.HasOperation(entity, request.Operation);

    private static Exception Unwrap(Exception error) =>
        error is TargetInvocationException { InnerException: { } inner } ? inner : error;
}
