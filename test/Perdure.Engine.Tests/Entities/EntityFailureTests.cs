using static Perdure.Engine.Tests.Entities.EntityHarness;

namespace Perdure.Engine.Tests.Entities;

/// <summary>Bad input to entities fails the operation clearly and leaves the entity usable, its state unchanged.</summary>
public sealed class EntityFailureTests
{
    [Fact]
    public async Task ExecuteAsync_UnknownOperation_FailsNamingTheOperationsThatExist()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "3", Op("incrementt"), Op("add", 1));

        var failure = result.Results[0].Failure;
        Assert.NotNull(failure);
        Assert.Equal("System.NotSupportedException", failure.ErrorType);
        Assert.StartsWith("Entity '@counter@k' has no operation named 'incrementt'. Operations are the public methods of Counter, matched case-insensitively", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("Add, AddLaterAsync, AddOrOne, AddThenFail, AddThenFailAsync, delete, Get, Reset, WhoAmI.", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.DoesNotContain("RunAsync", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.True(failure.IsNonRetriable);
        Assert.Equal("4", result.Results[1].Result);
        Assert.Equal("4", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_UnknownOperationWithStateDispatch_ListsTheStateMethodsToo()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Tally>());

        var result = await harness.RunAsync("@tally@k", null, Op("decrement"));

        var message = result.Results.Single().Failure?.ErrorMessage;
        Assert.Contains("public methods of Tally and of its state (TallyState)", message, StringComparison.Ordinal);
        Assert.Contains("Increment", message, StringComparison.Ordinal);
        Assert.Contains("Peek", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_NotSupportedExceptionFromAnExistingOperation_IsReportedAsThrown()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Strict>());

        var result = await harness.RunAsync("@strict@k", "6", Op("legacy"), Op("delete"));

        Assert.Equal("'legacy' was retired; the state stays 6.", result.Results[0].Failure?.ErrorMessage);
        Assert.Equal("Strict entities are never deleted.", result.Results[1].Failure?.ErrorMessage);
        Assert.Equal("System.NotSupportedException", result.Results[1].Failure?.ErrorType);
        Assert.Equal("6", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_StateThatCannotBeRead_FailsClearlyAndKeepsTheState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "\"not a number\"", Op("get"), Op("add", 1));

        Assert.All(result.Results, r => Assert.False(r.IsSuccess));
        var failure = result.Results[0].Failure!;
        Assert.Equal("System.Text.Json.JsonException", failure.ErrorType);
        Assert.StartsWith("The state of entity '@counter@k' could not be read as Int32: ", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.EndsWith("fix the type, or send 'delete' to remove the state.", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("\"not a number\"", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_DeleteOfAStateThatCannotBeRead_RemovesItAndTheEntityIsUsableAgain()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "{broken", Op("get"), Op("delete"), Op("add", 2));

        Assert.False(result.Results[0].IsSuccess);
        Assert.True(result.Results[1].IsSuccess);
        Assert.Equal("2", result.Results[2].Result);
        Assert.Equal("2", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_InputThatCannotBeRead_FailsClearlyAndKeepsTheState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "5", Op("add", "five"), Op("get"));

        var failure = result.Results[0].Failure!;
        Assert.Equal("System.Text.Json.JsonException", failure.ErrorType);
        Assert.StartsWith("The input of operation 'add' on entity '@counter@k' could not be read as Int32: ", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.True(failure.IsNonRetriable);
        Assert.Equal("5", result.Results[1].Result);
        Assert.Equal("5", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_NullableTypesInMessages_AreSpelledAsInCSharp()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Gauge>());

        var result = await harness.RunAsync("@gauge@k", "[1]", Op("get"));

        Assert.StartsWith("The state of entity '@gauge@k' could not be read as Int32?: ", result.Results.Single().Failure?.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ExecuteAsync_MissingRequiredInput_FailsWithTheSdkBindingError()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@counter@k", "5", Op("add"));

        var failure = result.Results.Single().Failure!;
        Assert.Equal("System.InvalidOperationException", failure.ErrorType);
        Assert.Contains("no input was provided by the caller", failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("5", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_UnregisteredEntity_FailsEveryOperationAndKeepsTheState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());

        var result = await harness.RunAsync("@account@alice", "100", Op("withdraw", 5), Op("balance"));

        Assert.Equal(2, result.Results.Count);
        Assert.All(result.Results, r =>
        {
            Assert.Equal("System.InvalidOperationException", r.Failure?.ErrorType);
            Assert.StartsWith("No entity named 'account' is registered with this worker (entity '@account@alice').", r.Failure?.ErrorMessage, StringComparison.Ordinal);
            Assert.True(r.Failure?.IsNonRetriable);
        });
        Assert.Equal("100", result.State);
        Assert.Empty(result.Actions);
    }

    [Fact]
    public async Task ExecuteAsync_EntityConstructorThrows_FailsEveryOperationWithItsError()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Broken>());

        var result = await harness.RunAsync("@broken@k", "1", Op("get"), Op("get"));

        Assert.All(result.Results, r =>
        {
            Assert.Equal("System.InvalidOperationException", r.Failure?.ErrorType);
            Assert.Equal("the database is unreachable", r.Failure?.ErrorMessage);
        });
        Assert.Equal("1", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_ResultThatCannotBeSerialized_FailsTheOperationAndRollsItBack()
    {
        await using var harness = new EntityHarness(r => r.AddEntity("cyclic", _ => new FuncEntity(operation =>
        {
            operation.State.SetState(1);
            var node = new Node();
            node.Next = node;
            return ValueTask.FromResult<object?>(node);
        })));

        var result = await harness.RunAsync("@cyclic@k", "0", Op("get"));

        Assert.Equal("System.Text.Json.JsonException", result.Results.Single().Failure?.ErrorType);
        Assert.Equal("0", result.State);
    }

    private sealed class Node
    {
        public Node? Next { get; set; }
    }
}
