using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Dispatch;

namespace Perdure.Engine.Tests;

/// <summary>Continue-as-new: the new input, unconsumed events carried over, later messages left for the next execution.</summary>
public sealed class ContinueAsNewTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;

    /// <summary>Calls "Work" with the input, then restarts with input + 1.</summary>
    private static TaskOrchestrator<int, int> Eternal(bool preserveUnprocessedEvents) => FuncTaskOrchestrator.Create<int, int>(async (ctx, n) =>
    {
        await ctx.CallActivityAsync("Work", n);
        ctx.ContinueAsNew(n + 1, preserveUnprocessedEvents);
        return n;
    });

    [Fact]
    public void RunStep_ContinueAsNew_EndsTheExecutionWithTheNewInput()
    {
        var driver = new RuntimeDriver(Eternal(preserveUnprocessedEvents: true));
        driver.Start(1);

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Completed(0, null));

        var outcome = driver.Runtime.Outcome;
        Assert.NotNull(outcome);
        Assert.Equal(OrchestrationStatus.ContinuedAsNew, outcome.Status);
        Assert.Equal("2", outcome.Output);
        Assert.NotNull(outcome.ContinueAsNew);
        Assert.Equal("2", outcome.ContinueAsNew.Input);
        Assert.True(outcome.ContinueAsNew.PreserveUnprocessedEvents);
        var completed = Assert.IsType<ExecutionCompletedEvent>(step.NewEvents[^1]);
        Assert.Equal(OrchestrationStatus.ContinuedAsNew, completed.Status);
        Assert.Equal("2", completed.Result);
        Assert.Empty(step.NewActions);
    }

    [Fact]
    public void RunStep_ContinueAsNewWithOptions_CarriesTheNewVersion()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<int, int>((ctx, n) =>
        {
            ctx.ContinueAsNew(new ContinueAsNewOptions { NewInput = n + 1, NewVersion = "2.0", PreserveUnprocessedEvents = false });
            return Task.FromResult(n);
        }));

        driver.Start(1);

        var next = driver.Runtime.Outcome?.ContinueAsNew;
        Assert.NotNull(next);
        Assert.Equal("2", next.Input);
        Assert.Equal("2.0", next.Version);
        Assert.False(next.PreserveUnprocessedEvents);
    }

    [Fact]
    public void RunStep_ContinueAsNewWithPreservedEvents_KeepsUnconsumedEventsAndLeavesLaterMessages()
    {
        var driver = new RuntimeDriver(Eternal(preserveUnprocessedEvents: true));
        driver.Start(1);

        var before = driver.Message(RuntimeDriver.Raised("Signal", "before"));
        var result = driver.Message(RuntimeDriver.Completed(0, null));
        var after = driver.Message(RuntimeDriver.Raised("Signal", "after"));
        var afterResult = driver.Message(RuntimeDriver.Completed(7, null));
        var step = driver.Deliver(T0.AddSeconds(1), before, result, after, afterResult);

        Assert.Equal(OrchestrationStatus.ContinuedAsNew, driver.Runtime.Outcome?.Status);
        Assert.Equal([before.MessageId, result.MessageId], step.ConsumedMessageIds);
        Assert.Equal("\"before\"", Assert.Single(driver.Runtime.BufferedEvents).Input);
        Assert.DoesNotContain(step.NewEvents, e => e is EventRaisedEvent { Input: "\"after\"" });
    }

    [Fact]
    public void Build_ContinueAsNewWithPreservedEvents_StartsTheNextExecutionAndCarriesTheEvents()
    {
        var driver = new RuntimeDriver(Eternal(preserveUnprocessedEvents: true));
        driver.Start(1);
        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Raised("Signal", "before"), RuntimeDriver.Completed(0, null));

        var checkpoint = CheckpointBuilder.Build(Instance(), driver.Runtime, step, T0.AddSeconds(1));

        Assert.NotNull(checkpoint.NewExecutionId);
        Assert.NotEqual(RuntimeDriver.ExecutionId, checkpoint.NewExecutionId);
        Assert.Equal(OrchestrationStatus.Running, checkpoint.Instance.Status);
        Assert.Equal("2", checkpoint.Instance.Input);
        Assert.Collection(
            checkpoint.Messages,
            m =>
            {
                var started = Assert.IsType<ExecutionStartedEvent>(m.Event);
                Assert.Equal(checkpoint.NewExecutionId, started.ExecutionId);
                Assert.Equal("2", started.Input);
            },
            m => Assert.Equal("\"before\"", Assert.IsType<EventRaisedEvent>(m.Event).Input));
    }

    [Fact]
    public void Build_ContinueAsNewWithoutPreservedEvents_DropsTheBufferedEvents()
    {
        var driver = new RuntimeDriver(Eternal(preserveUnprocessedEvents: false));
        driver.Start(1);
        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Raised("Signal", "before"), RuntimeDriver.Completed(0, null));

        var checkpoint = CheckpointBuilder.Build(Instance(), driver.Runtime, step, T0.AddSeconds(1));

        Assert.False(driver.Runtime.Outcome?.ContinueAsNew?.PreserveUnprocessedEvents);
        Assert.IsType<ExecutionStartedEvent>(Assert.Single(checkpoint.Messages).Event);
    }

    [Fact]
    public void RunStep_NextExecutionFromTheStartMessage_RunsWithTheNewInput()
    {
        var driver = new RuntimeDriver(Eternal(preserveUnprocessedEvents: true));
        driver.Start(1);
        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Completed(0, null));
        var checkpoint = CheckpointBuilder.Build(Instance(), driver.Runtime, step, T0.AddSeconds(1));

        // The dispatcher starts the next execution on a fresh runtime.
        var next = new RuntimeDriver(Eternal(preserveUnprocessedEvents: true));
        var first = next.Deliver(T0.AddSeconds(2), [.. checkpoint.Messages.Select(m => m with { MessageId = 100 })]);

        Assert.Equal(checkpoint.NewExecutionId, next.Runtime.ExecutionId);
        Assert.Equal("2", Assert.IsType<TaskScheduledEvent>(first.NewEvents[^1]).Input);
    }

    private static InstanceState Instance() => new()
    {
        InstanceId = RuntimeDriver.InstanceId,
        ExecutionId = RuntimeDriver.ExecutionId,
        Name = RuntimeDriver.OrchestratorName,
        Status = OrchestrationStatus.Running,
        Input = "1",
        CreatedAt = T0,
        LastUpdatedAt = T0,
    };
}
