using Microsoft.Extensions.DependencyInjection;
using static Perdure.Engine.Tests.Entities.EntityHarness;

namespace Perdure.Engine.Tests.Entities;

/// <summary>How a batch runs <c>TaskEntity&lt;TState&gt;</c> operations: state, dispatch, deletion, rollback.</summary>
public sealed class EntityBatchExecutorTests
{
    [Fact]
    public async Task ExecuteAsync_NoState_InitializesStateAndRunsOperationsInOrder()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", null, Op("add", 5), Op("add", 2), Op("get"));

        Assert.Equal(["5", "7", "7"], result.Results.Select(r => r.Result));
        Assert.All(result.Results, r => Assert.True(r.IsSuccess));
        Assert.Equal("7", result.State);
        Assert.Empty(result.Actions);
    }

    [Fact]
    public async Task ExecuteAsync_ExistingState_ContinuesFromIt()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "40", Op("add", 2));

        Assert.Equal("42", result.Results.Single().Result);
        Assert.Equal("42", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_InitializeStateOverride_SeesTheOperationAndRunsOnlyWithoutState()
    {
        var log = new InitializationLog();
        await using var harness = new EntityHarness(r => r.AddEntity<Seeded>(), s => s.AddSingleton(log));

        var first = await harness.RunAsync("@seeded@k", null, Op("add", 1), Op("get"));
        var second = await harness.RunAsync("@seeded@k", first.State, Op("get"));

        Assert.Equal(["101", "101"], first.Results.Select(r => r.Result));
        Assert.Equal("101", second.Results.Single().Result);
        Assert.Equal(["add"], log.Operations);
    }

    [Fact]
    public async Task ExecuteAsync_ReadOnlyOperationWithoutState_PersistsTheInitialState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", null, Op("get"));

        Assert.Equal("0", result.Results.Single().Result);
        Assert.Equal("0", result.State);
    }

    [Theory]
    [InlineData("add")]
    [InlineData("ADD")]
    [InlineData("Add")]
    public async Task ExecuteAsync_OperationName_MatchesMethodsCaseInsensitively(string operation)
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "1", Op(operation, 2));

        Assert.Equal("3", result.Results.Single().Result);
    }

    [Fact]
    public async Task ExecuteAsync_EntityIdNameInAnyCase_FindsTheRegistration()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@COUNTER@k", null, Op("whoami"));

        Assert.Equal(Serialize("@counter@k"), result.Results.Single().Result);
    }

    [Fact]
    public async Task ExecuteAsync_OptionalParameter_UsesItsDefaultWithoutInput()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "10", Op("addOrOne"), Op("addOrOne", 5));

        Assert.Equal(["11", "16"], result.Results.Select(r => r.Result));
    }

    [Fact]
    public async Task ExecuteAsync_VoidOperation_ReturnsNoResultAndKeepsItsStateChange()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "9", Op("reset"));

        Assert.True(result.Results.Single().IsSuccess);
        Assert.Null(result.Results.Single().Result);
        Assert.Equal("0", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_AsyncOperation_SavesTheStateSetAfterItsAwait()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "1", Op("addLaterAsync", 4), Op("get"));

        Assert.Equal(["5", "5"], result.Results.Select(r => r.Result));
        Assert.Equal("5", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_StateDispatchAllowed_FallsThroughToTheStateObject()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Tally>());

        var result = await harness.RunAsync("@tally@k", null, Op("increment"), Op("Increment"), Op("peek"));

        Assert.Equal("2", result.Results[2].Result);
        Assert.Equal("{\"Value\":2}", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_ImplicitDelete_RemovesTheState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "12", Op("delete"));

        Assert.True(result.Results.Single().IsSuccess);
        Assert.Null(result.Results.Single().Result);
        Assert.Null(result.State);
    }

    [Fact]
    public async Task ExecuteAsync_OperationAfterDelete_StartsFromAFreshState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "12", Op("delete"), Op("add", 1));

        Assert.Equal("1", result.Results[1].Result);
        Assert.Equal("1", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_ReferenceStateSetToNull_DeletesTheEntityState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<ShoppingCart>());

        var result = await harness.RunAsync("@shoppingcart@k", "{\"Items\":[\"pen\"]}", Op("clear"));

        Assert.True(result.Results.Single().IsSuccess);
        Assert.Null(result.State);
    }

    [Fact]
    public async Task ExecuteAsync_NullableValueStateSetToNull_DeletesTheEntityState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Gauge>());

        var kept = await harness.RunAsync("@gauge@k", null, Op("set", 0));
        var deleted = await harness.RunAsync("@gauge@k", kept.State, Op("forget"));

        Assert.Equal("0", kept.State);
        Assert.Null(deleted.State);
    }

    [Fact]
    public async Task ExecuteAsync_FailingOperation_RollsBackOnlyItsOwnStateChange()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", null, Op("add", 1), Op("addThenFail", 100), Op("add", 1));

        Assert.Equal("1", result.Results[0].Result);
        var failure = result.Results[1].Failure;
        Assert.NotNull(failure);
        Assert.Equal("System.InvalidOperationException", failure.ErrorType);
        Assert.Equal("failed after adding 100", failure.ErrorMessage);
        Assert.NotNull(failure.StackTrace);
        Assert.Null(result.Results[1].Result);
        Assert.Equal("2", result.Results[2].Result);
        Assert.Equal("2", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_AsyncOperationFailingAfterAnAwait_IsRolledBackToo()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "5", Op("addThenFailAsync", 100), Op("get"));

        Assert.Equal("failed later after adding 100", result.Results[0].Failure?.ErrorMessage);
        Assert.Equal("5", result.Results[1].Result);
        Assert.Equal("5", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_FailingOperationThatChangedTheStateObjectInPlace_LeavesNoTraceForTheNextOperation()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<ShoppingCart>());

        var result = await harness.RunAsync("@shoppingcart@k", null, Op("add", "pen"), Op("addThenFail", "yacht"), Op("list"));

        Assert.False(result.Results[1].IsSuccess);
        Assert.Equal("[\"pen\"]", result.Results[2].Result);
        Assert.Equal("{\"Items\":[\"pen\"]}", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_OnlyOperationFails_LeavesTheStateAsItWas()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var withState = await harness.RunAsync("@counter@k", "7", Op("addThenFail", 1));
        var withoutState = await harness.RunAsync("@counter@k", null, Op("addThenFail", 1));

        Assert.Equal("7", withState.State);
        Assert.Null(withoutState.State);
    }

    [Fact]
    public async Task ExecuteAsync_OneBatch_CreatesOneEntityObjectInItsOwnScope()
    {
        var created = new CreationCounter();
        await using var harness = new EntityHarness(r => r.AddEntity<Tracked>(), s => s.AddSingleton(created));

        var first = await harness.RunAsync("@tracked@k", null, Op("touch"), Op("touch"), Op("touch"));
        var second = await harness.RunAsync("@tracked@k", first.State, Op("touch"));

        Assert.Equal(["1", "2", "3"], first.Results.Select(r => r.Result));
        Assert.Equal("1", second.Results.Single().Result);
        Assert.Equal(2, created.Count);
    }

    [Fact]
    public async Task ExecuteAsync_NoOperations_CreatesNothingAndKeepsTheState()
    {
        var created = new CreationCounter();
        await using var harness = new EntityHarness(r => r.AddEntity<Tracked>(), s => s.AddSingleton(created));

        var result = await harness.RunAsync("@tracked@k", "3");

        Assert.Empty(result.Results);
        Assert.Equal("3", result.State);
        Assert.Equal(0, created.Count);
    }

    [Fact]
    public async Task ExecuteAsync_CancelledBeforeAnOperation_RunsNoFurtherOperations()
    {
        using var stop = new CancellationTokenSource();
        await using var harness = new EntityHarness(r => r.AddEntity("stopper", _ => new FuncEntity(operation =>
        {
            operation.State.SetState(operation.State.GetState<int>() + 1);
            if (operation.Name == "stop")
            {
                stop.Cancel();
            }

            return ValueTask.FromResult<object?>(null);
        })));

        var result = await harness.Executor.ExecuteAsync(
            Core.Entities.EntityId.Parse("@stopper@k"), null, [Op("go"), Op("stop"), Op("go"), Op("go")], stop.Token);

        Assert.Equal(2, result.Results.Count);
        Assert.Equal("2", result.State);
    }
}
