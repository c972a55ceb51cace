using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Tests;

/// <summary>One step at a time: what a step applies, records, schedules and consumes.</summary>
public sealed class StepTests
{
    /// <summary>Add one, then double: "Add" gets the input, "Double" gets what "Add" returned.</summary>
    private static TaskOrchestrator<int, int> Chain() => FuncTaskOrchestrator.Create<int, int>(async (ctx, input) =>
    {
        var added = await ctx.CallActivityAsync<int>("Add", input);
        return await ctx.CallActivityAsync<int>("Double", added);
    });

    [Fact]
    public void RunStep_FirstStepOfChain_SchedulesOneActivityWithTaskIdZeroAndTheSerializedInput()
    {
        var driver = new RuntimeDriver(Chain());

        var step = driver.Start(5);

        var action = Assert.IsType<ScheduleActivityAction>(Assert.Single(step.NewActions));
        Assert.Equal(0, action.Id);
        Assert.Equal("Add", action.Name);
        Assert.Collection(
            step.NewEvents,
            e => Assert.Equal(RuntimeDriver.T0, Assert.IsType<OrchestratorStartedEvent>(e).Timestamp),
            e => Assert.IsType<ExecutionStartedEvent>(e),
            e =>
            {
                var scheduled = Assert.IsType<TaskScheduledEvent>(e);
                Assert.Equal(0, scheduled.EventId);
                Assert.Equal("Add", scheduled.Name);
                Assert.Equal("5", scheduled.Input);
            });
        Assert.Equal([1L], step.ConsumedMessageIds);
        Assert.Null(driver.Runtime.Outcome);
        Assert.Equal(3, driver.Runtime.HistoryLength);
        Assert.Equal(RuntimeDriver.ExecutionId, driver.Runtime.ExecutionId);
    }

    [Fact]
    public void RunStep_TaskCompleted_CompletesTheTaskAndSchedulesTheNextWithItsResult()
    {
        var driver = new RuntimeDriver(Chain());
        driver.Start(5);

        var step = driver.Step(RuntimeDriver.T0.AddSeconds(1), RuntimeDriver.Completed(0, 6));

        var scheduled = Assert.IsType<TaskScheduledEvent>(step.NewEvents[^1]);
        Assert.Equal(1, scheduled.EventId);
        Assert.Equal("Double", scheduled.Name);
        Assert.Equal("6", scheduled.Input);
        Assert.Equal(1, Assert.Single(step.NewActions).Id);
        Assert.IsType<TaskCompletedEvent>(step.NewEvents[1]);
        Assert.Null(driver.Runtime.Outcome);
    }

    [Fact]
    public void RunStep_LastTaskCompleted_CompletesWithSerializedOutputAndEndsTheDelta()
    {
        var driver = new RuntimeDriver(Chain());
        driver.Start(5);
        driver.Step(RuntimeDriver.T0.AddSeconds(1), RuntimeDriver.Completed(0, 6));

        var step = driver.Step(RuntimeDriver.T0.AddSeconds(2), RuntimeDriver.Completed(1, 12));

        var outcome = driver.Runtime.Outcome;
        Assert.NotNull(outcome);
        Assert.Equal(OrchestrationStatus.Completed, outcome.Status);
        Assert.Equal("12", outcome.Output);
        Assert.Null(outcome.Failure);
        Assert.Empty(step.NewActions);
        var completed = Assert.IsType<ExecutionCompletedEvent>(step.NewEvents[^1]);
        Assert.Equal(OrchestrationStatus.Completed, completed.Status);
        Assert.Equal("12", completed.Result);
        Assert.Equal(RuntimeDriver.T0.AddSeconds(2), completed.Timestamp);
        Assert.Equal(driver.History.Count, driver.Runtime.HistoryLength);
    }

    [Fact]
    public void RunStep_ActivityFailedAndNotCaught_FailsWithTaskFailedException()
    {
        var driver = new RuntimeDriver(Chain());
        driver.Start(5);

        var step = driver.Step(RuntimeDriver.T0.AddSeconds(1), RuntimeDriver.Failed(0, "no adding today"));

        var outcome = driver.Runtime.Outcome;
        Assert.NotNull(outcome);
        Assert.Equal(OrchestrationStatus.Failed, outcome.Status);
        Assert.NotNull(outcome.Failure);
        Assert.Equal(typeof(TaskFailedException).FullName, outcome.Failure.ErrorType);
        Assert.Equal("no adding today", outcome.Failure.InnerFailure?.ErrorMessage);
        Assert.Equal(OrchestrationStatus.Failed, Assert.IsType<ExecutionCompletedEvent>(step.NewEvents[^1]).Status);
    }

    [Fact]
    public void RunStep_InputOfTheWrongShape_FailsAsNonRetriable()
    {
        var driver = new RuntimeDriver(Chain());

        driver.Step(RuntimeDriver.T0, RuntimeDriver.Started("not a number"));

        var outcome = driver.Runtime.Outcome;
        Assert.NotNull(outcome);
        Assert.Equal(OrchestrationStatus.Failed, outcome.Status);
        Assert.NotNull(outcome.Failure);
        Assert.True(outcome.Failure.IsNonRetriable);
        Assert.Contains(RuntimeDriver.OrchestratorName, outcome.Failure.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void RunStep_MessageForAnotherExecution_IsConsumedAndDropped()
    {
        var driver = new RuntimeDriver(Chain());
        driver.Start(5);

        var stale = driver.Message(RuntimeDriver.Completed(0, 100), executionId: "an-earlier-execution");
        var step = driver.Deliver(RuntimeDriver.T0.AddSeconds(1), stale);

        Assert.Equal([stale.MessageId], step.ConsumedMessageIds);
        Assert.IsType<OrchestratorStartedEvent>(Assert.Single(step.NewEvents));
        Assert.Empty(step.NewActions);
        Assert.Null(driver.Runtime.Outcome);

        // Task 0 is still open: the real result still completes it.
        var current = driver.Message(RuntimeDriver.Completed(0, 6), executionId: RuntimeDriver.ExecutionId);
        var next = driver.Deliver(RuntimeDriver.T0.AddSeconds(2), current);
        Assert.Equal([current.MessageId], next.ConsumedMessageIds);
        Assert.Equal("6", Assert.IsType<TaskScheduledEvent>(next.NewEvents[^1]).Input);
    }

    [Fact]
    public void RunStep_SecondExecutionStarted_IsConsumedAndDropped()
    {
        var driver = new RuntimeDriver(Chain());
        driver.Start(5);

        var duplicate = driver.Message(RuntimeDriver.Started(7));
        var step = driver.Deliver(RuntimeDriver.T0.AddSeconds(1), duplicate);

        Assert.Equal([duplicate.MessageId], step.ConsumedMessageIds);
        Assert.IsType<OrchestratorStartedEvent>(Assert.Single(step.NewEvents));
        Assert.Equal("5", driver.Runtime.Started?.Input);
    }

    [Fact]
    public void RunStep_EventBeforeTheStartMessage_WaitsForTheStart()
    {
        var driver = new RuntimeDriver(Chain());

        var early = driver.Message(RuntimeDriver.Raised("Early", 1));
        var step = driver.Deliver(RuntimeDriver.T0, early);

        Assert.True(step.NotStarted);
        Assert.Empty(step.ConsumedMessageIds);
        Assert.Empty(step.NewActions);
        Assert.Equal(0, driver.Runtime.HistoryLength);
    }

    [Fact]
    public void RunStep_StartMessageAfterAnEventInTheBatch_StartsFirst()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(
            async (ctx, input) => input + (await ctx.WaitForExternalEvent<string>("Early"))));

        var early = driver.Message(RuntimeDriver.Raised("Early", "!"));
        var start = driver.Message(RuntimeDriver.Started("go"));
        var step = driver.Deliver(RuntimeDriver.T0, early, start);

        Assert.Equal([start.MessageId, early.MessageId], step.ConsumedMessageIds);
        Assert.IsType<ExecutionStartedEvent>(step.NewEvents[1]);
        Assert.Equal("\"go!\"", driver.Runtime.Outcome?.Output);
    }

    [Fact]
    public void RunStep_SetCustomStatus_ExposesTheSerializedStatus()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            ctx.SetCustomStatus(new { Stage = "waiting" });
            return await ctx.WaitForExternalEvent<string>("Go");
        }));

        driver.Start(null);

        Assert.Equal(RuntimeDriver.Serialize(new { Stage = "waiting" }), driver.Runtime.CustomStatus);
        Assert.Contains("waiting", driver.Runtime.CustomStatus, StringComparison.Ordinal);
    }
}
