using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Tests;

/// <summary>
/// <c>context.Entities</c> calls and signals: what a step records, how results and failures come back, and that replay
/// reproduces the same run from history.
/// </summary>
public sealed class EntityCallTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;
    private static readonly EntityInstanceId Alice = new("Account", "alice");

    private static Func<ITaskOrchestrator> Orchestrator(Func<TaskOrchestrationContext, Task<string>> body) =>
        () => FuncTaskOrchestrator.Create<string, string>((ctx, _) => body(ctx));

    [Fact]
    public void RunStep_CallEntity_RecordsTheCallAndReturnsTheResult()
    {
        var create = Orchestrator(async ctx => $"balance {await ctx.Entities.CallEntityAsync<int>(Alice, "Deposit", 5)}");
        var driver = new RuntimeDriver(create());

        var first = driver.Start(null);

        var called = Assert.IsType<EntityOperationCalledEvent>(first.NewEvents[^1]);
        Assert.Equal(0, called.EventId);
        Assert.Equal("@account@alice", called.EntityId);
        Assert.Equal("Deposit", called.Operation);
        Assert.Equal("5", called.Input);
        Assert.IsType<CallEntityAction>(Assert.Single(first.NewActions), exactMatch: false);
        Assert.Null(driver.Runtime.Outcome);

        driver.Step(T0.AddSeconds(1), RuntimeDriver.EntityCompleted(0, 105));

        Assert.Equal(OrchestrationStatus.Completed, driver.Runtime.Outcome?.Status);
        Assert.Equal(RuntimeDriver.Serialize("balance 105"), driver.Runtime.Outcome?.Output);

        var replayed = RuntimeDriver.Replayed(create(), driver.History);
        Assert.False(replayed.IsPoisoned);
        Assert.Equal(driver.History.Count, replayed.HistoryLength);
        Assert.Equal(RuntimeDriver.Serialize("balance 105"), replayed.Outcome?.Output);
    }

    [Fact]
    public void RunStep_CallEntityWithoutResultOrInput_CompletesOnTheResult()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await ctx.Entities.CallEntityAsync(Alice, "reset");
            await ctx.Entities.CallEntityAsync(Alice, "touch", options: new CallEntityOptions());
            return "done";
        })());

        var first = driver.Start(null);
        var called = Assert.IsType<EntityOperationCalledEvent>(first.NewEvents[^1]);
        Assert.Null(called.Input);
        var second = driver.Step(T0.AddSeconds(1), RuntimeDriver.EntityCompleted(0, null));
        Assert.Equal("touch", Assert.IsType<EntityOperationCalledEvent>(second.NewEvents[^1]).Operation);
        driver.Step(T0.AddSeconds(2), RuntimeDriver.EntityCompleted(1, null));

        Assert.Equal(RuntimeDriver.Serialize("done"), driver.Runtime.Outcome?.Output);
    }

    [Fact]
    public void RunStep_CallEntityFails_ThrowsEntityOperationFailedExceptionWithTheRecordedFailure()
    {
        EntityOperationFailedException? caught = null;
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            try
            {
                await ctx.Entities.CallEntityAsync<int>(Alice, "Withdraw", 500);
                return "withdrawn";
            }
            catch (EntityOperationFailedException e)
            {
                caught = e;
                return "refused";
            }
        })());
        var failure = new FailureDetails(
            "System.InvalidOperationException", "Insufficient funds", "at Account.Withdraw",
            new FailureDetails("System.ArgumentException", "inner"));

        driver.Start(null);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.EntityFailed(0, failure));

        Assert.Equal(RuntimeDriver.Serialize("refused"), driver.Runtime.Outcome?.Output);
        Assert.NotNull(caught);
        Assert.Equal(Alice, caught.EntityId);
        Assert.Equal("Withdraw", caught.OperationName);
        Assert.Equal("System.InvalidOperationException", caught.FailureDetails.ErrorType);
        Assert.Equal("Insufficient funds", caught.FailureDetails.ErrorMessage);
        Assert.Equal("at Account.Withdraw", caught.FailureDetails.StackTrace);
        Assert.Equal("inner", caught.FailureDetails.InnerFailure?.ErrorMessage);
        Assert.Contains("Insufficient funds", caught.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunStep_CallEntityFailsUnhandled_FailsTheOrchestrationWithTheEntityFailure()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx => (await ctx.Entities.CallEntityAsync<int>(Alice, "Withdraw", 500)).ToString())());

        driver.Start(null);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.EntityFailed(0, new FailureDetails("System.InvalidOperationException", "Insufficient funds")));

        var outcome = driver.Runtime.Outcome;
        Assert.Equal(OrchestrationStatus.Failed, outcome?.Status);
        Assert.Equal(typeof(EntityOperationFailedException).FullName, outcome?.Failure?.ErrorType);
        Assert.Contains("Insufficient funds", outcome?.Failure?.ErrorMessage, StringComparison.Ordinal);
        Assert.False(driver.Runtime.IsPoisoned);
    }

    [Fact]
    public void Replay_CallEntityFailure_ThrowsTheSameExceptionAgain()
    {
        var create = Orchestrator(async ctx =>
        {
            try
            {
                return (await ctx.Entities.CallEntityAsync<int>(Alice, "Withdraw", 500)).ToString();
            }
            catch (EntityOperationFailedException e)
            {
                return e.FailureDetails.ErrorMessage;
            }
        });
        var driver = new RuntimeDriver(create());
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.EntityFailed(0, new FailureDetails("System.InvalidOperationException", "Insufficient funds")));

        var replayed = RuntimeDriver.Replayed(create(), driver.History);

        Assert.False(replayed.IsPoisoned);
        Assert.Equal(RuntimeDriver.Serialize("Insufficient funds"), replayed.Outcome?.Output);
    }

    [Fact]
    public void RunStep_SignalEntity_RecordsTheSignalAndDoesNotWait()
    {
        var at = T0.AddHours(1);
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            var signal = ctx.Entities.SignalEntityAsync(Alice, "Deposit", 5);
            Assert.True(signal.IsCompletedSuccessfully);
            await signal;
            await ctx.Entities.SignalEntityAsync(new EntityInstanceId("audit", "daily"), "Note", options: new SignalEntityOptions { SignalTime = at });
            return "sent";
        })());

        var step = driver.Start(null);

        Assert.Equal(RuntimeDriver.Serialize("sent"), driver.Runtime.Outcome?.Output);
        var signals = step.NewEvents.OfType<EntityOperationSignaledEvent>().ToList();
        Assert.Equal(2, signals.Count);
        Assert.Equal((0, "@account@alice", "Deposit", "5", (DateTimeOffset?)null),
            (signals[0].EventId, signals[0].EntityId, signals[0].Operation, signals[0].Input, signals[0].ScheduledAt));
        Assert.Equal((1, "@audit@daily", "Note", (string?)null, (DateTimeOffset?)at),
            (signals[1].EventId, signals[1].EntityId, signals[1].Operation, signals[1].Input, signals[1].ScheduledAt));
    }

    [Fact]
    public void RunStep_CallsAndSignalsShareTheTaskIdsWithOtherActions()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            var activity = ctx.CallActivityAsync<string>("A");
            await ctx.Entities.SignalEntityAsync(Alice, "Ping");
            var call = ctx.Entities.CallEntityAsync<string>(Alice, "Get");
            return await activity + await call;
        })());

        var step = driver.Start(null);

        Assert.Equal([0, 1, 2], step.NewActions.Select(a => a.Id));
        Assert.IsType<TaskScheduledEvent>(step.NewEvents[2]);
        Assert.IsType<EntityOperationSignaledEvent>(step.NewEvents[3]);
        Assert.IsType<EntityOperationCalledEvent>(step.NewEvents[4]);
    }

    [Fact]
    public void RunStep_ResultOfAnEntityCallArrivingWhileSuspended_WaitsForTheResume()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx => await ctx.Entities.CallEntityAsync<string>(Alice, "Get"))());
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), new ExecutionSuspendedEvent());

        var step = driver.Step(T0.AddSeconds(2), RuntimeDriver.EntityCompleted(0, "x"));

        Assert.Empty(step.ConsumedMessageIds);
        Assert.Null(driver.Runtime.Outcome);
    }

    [Theory]
    [InlineData("")]
    [InlineData(null)]
    public void RunStep_CallOrSignalWithoutOperationName_ThrowsArgumentExceptionAndRecordsNothing(string? operation)
    {
        var driver = new RuntimeDriver(Orchestrator(ctx =>
        {
            var call = Refused.ThrowsAny<ArgumentException>(() => ctx.Entities.CallEntityAsync(Alice, operation!));
            var signal = Refused.ThrowsAny<ArgumentException>(() => ctx.Entities.SignalEntityAsync(Alice, operation!));
            return Task.FromResult(call.ParamName + " " + signal.ParamName);
        })());

        var step = driver.Start(null);

        Assert.Equal(RuntimeDriver.Serialize("operationName operationName"), driver.Runtime.Outcome?.Output);
        Assert.Empty(step.NewActions);
    }

    [Fact]
    public void RunStep_MalformedEntityId_ThrowsArgumentExceptionNamingTheProblemAndRecordsNothing()
    {
        var driver = new RuntimeDriver(Orchestrator(ctx =>
        {
            var empty = Refused.Throws<ArgumentException>(() => ctx.Entities.CallEntityAsync(default, "Get"));
            var blank = Refused.Throws<ArgumentException>(() => ctx.Entities.SignalEntityAsync(new EntityInstanceId(" ", "k"), "Get"));
            var locked = Refused.Throws<ArgumentException>(() => ctx.Entities.LockEntitiesAsync(Alice, new EntityInstanceId("a\u0001", "k")));
            return Task.FromResult(string.Join("|", empty.Message, blank.Message, locked.Message));
        })());

        var step = driver.Start(null);

        var output = RuntimeDriver.Deserialize<string>(driver.Runtime.Outcome?.Output)!;
        Assert.Contains("default(EntityInstanceId)", output, StringComparison.Ordinal);
        Assert.Contains("empty or blank", output, StringComparison.Ordinal);
        Assert.Contains("control character", output, StringComparison.Ordinal);
        Assert.Empty(step.NewActions);
    }

    [Fact]
    public void RunStep_EntitiesUsedFromAnotherThread_FailsWithInvalidOperationException()
    {
        var driver = new RuntimeDriver(Orchestrator(ctx =>
        {
            // Blocking keeps the test deterministic: the failure comes back to the step thread.
            Task.Run(() => ctx.Entities.SignalEntityAsync(Alice, "Ping")).GetAwaiter().GetResult();
            return Task.FromResult("unreachable");
        })());

        var step = driver.Start(null);

        Assert.Equal(typeof(InvalidOperationException).FullName, driver.Runtime.Outcome?.Failure?.ErrorType);
        Assert.Contains("used from another thread", driver.Runtime.Outcome?.Failure?.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(step.NewActions);
    }
}
