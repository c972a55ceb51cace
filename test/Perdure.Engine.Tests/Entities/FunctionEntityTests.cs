using Microsoft.DurableTask.Entities;
using static Perdure.Engine.Tests.Entities.EntityHarness;

namespace Perdure.Engine.Tests.Entities;

/// <summary>Entities registered as factory functions or instances, written against <see cref="ITaskEntity"/> directly.</summary>
public sealed class FunctionEntityTests
{
    /// <summary>A counter written against the raw operation: state access through <see cref="TaskEntityState"/>.</summary>
    private static ValueTask<object?> RawCounter(TaskEntityOperation operation)
    {
        switch (operation.Name.ToLowerInvariant())
        {
            case "add":
                var total = operation.State.GetState<int>() + operation.GetInput<int>();
                operation.State.SetState(total);
                return ValueTask.FromResult<object?>(total);
            case "hasstate":
                return ValueTask.FromResult<object?>(operation.State.HasState);
            case "erase":
                operation.State.SetState(null);
                return ValueTask.FromResult<object?>(null);
            case "peekdefault":
                return ValueTask.FromResult<object?>(operation.State.GetState(defaultValue: -1));
            default:
                throw new NotSupportedException($"'{operation.Name}' is not an operation of {operation.Context.Id}.");
        }
    }

    [Fact]
    public async Task ExecuteAsync_EntityRegisteredAsAFactoryFunction_RunsItsOperations()
    {
        await using var harness = new EntityHarness(r => r.AddEntity("rawcounter", _ => new FuncEntity(RawCounter)));

        var result = await harness.RunAsync("@rawcounter@k", null, Op("add", 2), Op("add", 3));

        Assert.Equal(["2", "5"], result.Results.Select(r => r.Result));
        Assert.Equal("5", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_EntityRegisteredAsAnInstance_RunsItsOperations()
    {
        await using var harness = new EntityHarness(r => r.AddEntity("rawcounter", new FuncEntity(RawCounter)));

        var result = await harness.RunAsync("@RawCounter@k", "1", Op("ADD", 1));

        Assert.Equal("2", result.Results.Single().Result);
    }

    [Fact]
    public async Task ExecuteAsync_HasState_FollowsSetStateWithinAndAcrossOperations()
    {
        await using var harness = new EntityHarness(r => r.AddEntity("rawcounter", _ => new FuncEntity(RawCounter)));

        var result = await harness.RunAsync("@rawcounter@k", null, Op("hasState"), Op("add", 1), Op("hasState"), Op("erase"), Op("hasState"));

        Assert.Equal(["false", "1", "true", null, "false"], result.Results.Select(r => r.Result));
        Assert.Null(result.State);
    }

    [Fact]
    public async Task ExecuteAsync_GetStateWithoutState_ReturnsTheDefaultGivenAndPersistsNothing()
    {
        await using var harness = new EntityHarness(r => r.AddEntity("rawcounter", _ => new FuncEntity(RawCounter)));

        var result = await harness.RunAsync("@rawcounter@k", null, Op("peekDefault"));

        Assert.Equal("-1", result.Results.Single().Result);
        Assert.Null(result.State);
    }

    [Fact]
    public async Task ExecuteAsync_FunctionEntityThrowsForAnUnknownOperation_ReportsItsOwnError()
    {
        await using var harness = new EntityHarness(r => r.AddEntity("rawcounter", _ => new FuncEntity(RawCounter)));

        var result = await harness.RunAsync("@rawcounter@k", "4", Op("multiply", 2));

        var failure = result.Results.Single().Failure!;
        Assert.Equal("System.NotSupportedException", failure.ErrorType);
        Assert.Equal("'multiply' is not an operation of @rawcounter@k.", failure.ErrorMessage);
        Assert.Equal("4", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_FunctionEntityDelete_IsNotImplicit()
    {
        await using var harness = new EntityHarness(r => r.AddEntity("rawcounter", _ => new FuncEntity(RawCounter)));

        var result = await harness.RunAsync("@rawcounter@k", "4", Op("delete"));

        Assert.False(result.Results.Single().IsSuccess);
        Assert.Equal("4", result.State);
    }
}
