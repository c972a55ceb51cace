using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Tests;

/// <summary>Suspend holds messages back, resume releases them, terminate ends the execution (and its children).</summary>
public sealed class SuspendTerminateTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;

    private static TaskOrchestrator<string, string> ActivityThenEvent() => FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
    {
        var a = await ctx.CallActivityAsync<string>("A");
        return a + await ctx.WaitForExternalEvent<string>("Go");
    });

    [Fact]
    public void RunStep_Suspended_LeavesMessagesOtherThanResumeAndTerminate()
    {
        var driver = new RuntimeDriver(ActivityThenEvent());
        driver.Start(null);
        var suspend = driver.Step(T0.AddSeconds(1), new ExecutionSuspendedEvent { Reason = "maintenance", Timestamp = T0 });
        Assert.True(driver.Runtime.IsSuspended);
        Assert.IsType<ExecutionSuspendedEvent>(suspend.NewEvents[^1]);

        var result = driver.Message(RuntimeDriver.Completed(0, "a"));
        var go = driver.Message(RuntimeDriver.Raised("Go", "!"));
        var held = driver.Deliver(T0.AddSeconds(2), result, go);

        Assert.Empty(held.ConsumedMessageIds);
        Assert.IsType<OrchestratorStartedEvent>(Assert.Single(held.NewEvents));
        Assert.Empty(held.NewActions);
        Assert.Null(driver.Runtime.Outcome);
        Assert.True(driver.Runtime.IsSuspended);
    }

    [Fact]
    public void RunStep_RepeatedSuspendThenResume_EndsRunning()
    {
        var driver = new RuntimeDriver(ActivityThenEvent());
        driver.Start(null);
        var first = driver.Message(new ExecutionSuspendedEvent { Timestamp = T0 });
        var second = driver.Message(new ExecutionSuspendedEvent { Timestamp = T0 });
        var suspended = driver.Deliver(T0.AddSeconds(1), first, second);
        var resume = driver.Message(new ExecutionResumedEvent { Timestamp = T0 });
        driver.Deliver(T0.AddSeconds(2), resume);

        Assert.Equal([first.MessageId, second.MessageId], suspended.ConsumedMessageIds);
        Assert.False(driver.Runtime.IsSuspended);
    }

    [Fact]
    public void RunStep_ResumeBeforeHeldMessages_AppliesThemInTheSameStep()
    {
        var driver = new RuntimeDriver(ActivityThenEvent());
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), new ExecutionSuspendedEvent { Timestamp = T0 });
        var result = driver.Message(RuntimeDriver.Completed(0, "a"));
        var go = driver.Message(RuntimeDriver.Raised("Go", "!"));
        driver.Deliver(T0.AddSeconds(2), result, go);

        var resume = driver.Message(new ExecutionResumedEvent { Timestamp = T0 });
        var step = driver.Deliver(T0.AddSeconds(3), resume, result, go);

        Assert.False(driver.Runtime.IsSuspended);
        Assert.Equal([resume.MessageId, result.MessageId, go.MessageId], step.ConsumedMessageIds);
        Assert.Equal("\"a!\"", driver.Runtime.Outcome?.Output);
    }

    [Fact]
    public void Replay_SuspendedHistory_IsStillSuspended()
    {
        var driver = new RuntimeDriver(ActivityThenEvent());
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), new ExecutionSuspendedEvent { Timestamp = T0 });

        var replayed = RuntimeDriver.Replayed(ActivityThenEvent(), driver.History);

        Assert.True(replayed.IsSuspended);
    }

    [Fact]
    public void RunStep_Terminate_EndsWithTheGivenOutput()
    {
        var driver = new RuntimeDriver(ActivityThenEvent());
        driver.Start(null);

        var step = driver.Step(T0.AddSeconds(1), new ExecutionTerminatedEvent { Output = "\"stopped by operator\"", Timestamp = T0 });

        var outcome = driver.Runtime.Outcome;
        Assert.NotNull(outcome);
        Assert.Equal(OrchestrationStatus.Terminated, outcome.Status);
        Assert.Equal("\"stopped by operator\"", outcome.Output);
        Assert.Null(outcome.Failure);
        Assert.Equal("\"stopped by operator\"", Assert.IsType<ExecutionTerminatedEvent>(step.NewEvents[^1]).Output);
        Assert.Single(step.NewEvents, e => e is ExecutionTerminatedEvent);
        Assert.Empty(step.NewActions);
        Assert.Empty(step.ExtraMessages);
    }

    [Fact]
    public void RunStep_TerminateWhileSuspended_IsApplied()
    {
        var driver = new RuntimeDriver(ActivityThenEvent());
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), new ExecutionSuspendedEvent { Timestamp = T0 });

        var terminate = driver.Message(new ExecutionTerminatedEvent { Output = "\"bye\"", Timestamp = T0 });
        var step = driver.Deliver(T0.AddSeconds(2), terminate);

        Assert.Equal([terminate.MessageId], step.ConsumedMessageIds);
        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
    }

    [Fact]
    public void RunStep_MessagesAfterTerminateInTheBatch_AreConsumedAndDropped()
    {
        var driver = new RuntimeDriver(ActivityThenEvent());
        driver.Start(null);

        var terminate = driver.Message(new ExecutionTerminatedEvent { Timestamp = T0 });
        var late = driver.Message(RuntimeDriver.Completed(0, "a"));
        var step = driver.Deliver(T0.AddSeconds(1), terminate, late);

        Assert.Equal([terminate.MessageId, late.MessageId], step.ConsumedMessageIds);
        Assert.DoesNotContain(step.NewEvents, e => e is TaskCompletedEvent);
        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
    }

    [Fact]
    public void RunStep_TerminateAfterOtherMessagesInTheBatch_GoesFirstAndNothingIsScheduled()
    {
        var driver = new RuntimeDriver(ActivityThenEvent());
        driver.Start(null);

        var result = driver.Message(RuntimeDriver.Completed(0, "a"));
        var terminate = driver.Message(new ExecutionTerminatedEvent { Output = "\"stop\"", Timestamp = T0 });
        var step = driver.Deliver(T0.AddSeconds(1), result, terminate);

        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
        Assert.Empty(step.NewActions);
        Assert.DoesNotContain(step.NewEvents, e => e is TaskCompletedEvent or TaskScheduledEvent);
        Assert.Equal([terminate.MessageId, result.MessageId], step.ConsumedMessageIds);
    }

    [Fact]
    public void RunStep_TerminateArrivingWithTheStart_NeverRunsTheCode()
    {
        var ran = false;
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            ran = true;
            return await ctx.CallActivityAsync<string>("A");
        }));

        var start = driver.Message(RuntimeDriver.Started(null));
        var terminate = driver.Message(new ExecutionTerminatedEvent { Timestamp = T0 });
        var step = driver.Deliver(T0, start, terminate);

        Assert.False(ran);
        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
        Assert.Empty(step.NewActions);
        Assert.Equal([terminate.MessageId, start.MessageId], step.ConsumedMessageIds);
    }

    [Fact]
    public void RunStep_TerminateBeforeStart_TerminatesWithoutRunningTheCode()
    {
        var ran = false;
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>((_, _) =>
        {
            ran = true;
            return Task.FromResult("ran");
        }));

        var terminate = driver.Message(new ExecutionTerminatedEvent { Output = "\"never ran\"", Timestamp = T0 });
        var step = driver.Deliver(T0, terminate);

        Assert.False(ran);
        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
        Assert.Contains(terminate.MessageId, step.ConsumedMessageIds);
    }

    [Fact]
    public void RunStep_RecursiveTerminate_SendsTerminateToOpenSubOrchestrations()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            var done = ctx.CallSubOrchestratorAsync<string>("Child", new SubOrchestrationOptions { InstanceId = "child-done" });
            var open = ctx.CallSubOrchestratorAsync<string>("Child", new SubOrchestrationOptions { InstanceId = "child-open" });
            return await done + await open;
        }));
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.SubCompleted(0, "done"));

        var step = driver.Step(T0.AddSeconds(2), new ExecutionTerminatedEvent { Output = "\"cascade\"", Recursive = true, Timestamp = T0.AddSeconds(2) });

        var message = Assert.Single(step.ExtraMessages);
        Assert.Equal("child-open", message.InstanceId);
        var terminate = Assert.IsType<ExecutionTerminatedEvent>(message.Event);
        Assert.True(terminate.Recursive);
        Assert.Equal("\"cascade\"", terminate.Output);
        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
    }

    [Fact]
    public void RunStep_NonRecursiveTerminate_LeavesSubOrchestrationsRunning()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(
            (ctx, _) => ctx.CallSubOrchestratorAsync<string>("Child", new SubOrchestrationOptions { InstanceId = "child-open" })));
        driver.Start(null);

        var step = driver.Step(T0.AddSeconds(1), new ExecutionTerminatedEvent { Timestamp = T0 });

        Assert.Empty(step.ExtraMessages);
        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
    }

    [Fact]
    public void RunStep_RecursiveTerminateAfterReplay_StillKnowsTheOpenSubOrchestrations()
    {
        static TaskOrchestrator<string, string> Parent() => FuncTaskOrchestrator.Create<string, string>(
            (ctx, _) => ctx.CallSubOrchestratorAsync<string>("Child", new SubOrchestrationOptions { InstanceId = "child-open" }));
        var live = new RuntimeDriver(Parent());
        live.Start(null);
        var replayed = RuntimeDriver.Replayed(Parent(), live.History);

        var step = RuntimeDriver.RunStep(replayed, T0.AddSeconds(1), [live.Message(new ExecutionTerminatedEvent { Recursive = true, Timestamp = T0 })]);

        Assert.Equal("child-open", Assert.Single(step.ExtraMessages).InstanceId);
    }
}
