using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Tests;

/// <summary>External events: buffering, one event per wait in arrival order, names without case, timeouts.</summary>
public sealed class ExternalEventTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;

    /// <summary>Calls "Prepare" first, so events raised before it returns arrive before anyone waits.</summary>
    private static TaskOrchestrator<int, string> PrepareThenWait(string eventName) =>
        FuncTaskOrchestrator.Create<int, string>(async (ctx, count) =>
        {
            await ctx.CallActivityAsync("Prepare");
            var received = new List<string>();
            for (var i = 0; i < count; i++)
            {
                received.Add(await ctx.WaitForExternalEvent<string>(eventName));
            }

            return string.Join(",", received);
        });

    [Fact]
    public void WaitForExternalEvent_RaisedBeforeTheWait_IsBufferedAndThenConsumed()
    {
        var driver = new RuntimeDriver(PrepareThenWait("Approval"));
        driver.Start(1);

        var raised = driver.Step(T0.AddSeconds(1), RuntimeDriver.Raised("Approval", "yes"));

        Assert.Single(raised.ConsumedMessageIds);
        Assert.IsType<EventRaisedEvent>(raised.NewEvents[1]);
        Assert.Equal("\"yes\"", Assert.Single(driver.Runtime.BufferedEvents).Input);
        Assert.Null(driver.Runtime.Outcome);

        driver.Step(T0.AddSeconds(2), RuntimeDriver.Completed(0, null));

        Assert.Empty(driver.Runtime.BufferedEvents);
        Assert.Equal("\"yes\"", driver.Runtime.Outcome?.Output);
    }

    [Fact]
    public void WaitForExternalEvent_SeveralBuffered_ConsumesOnePerWaitInArrivalOrder()
    {
        var driver = new RuntimeDriver(PrepareThenWait("Item"));
        driver.Start(2);

        driver.Step(T0.AddSeconds(1), RuntimeDriver.Raised("Item", "first"), RuntimeDriver.Raised("Item", "second"), RuntimeDriver.Raised("Item", "third"));
        driver.Step(T0.AddSeconds(2), RuntimeDriver.Completed(0, null));

        Assert.Equal("\"first,second\"", driver.Runtime.Outcome?.Output);
        Assert.Equal("\"third\"", Assert.Single(driver.Runtime.BufferedEvents).Input);
    }

    [Fact]
    public void WaitForExternalEvent_SeveralRaisedWhileWaiting_ConsumesOnePerWaitInArrivalOrder()
    {
        var driver = new RuntimeDriver(PrepareThenWait("Item"));
        driver.Start(3);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.Completed(0, null));

        driver.Step(T0.AddSeconds(2), RuntimeDriver.Raised("Item", "first"), RuntimeDriver.Raised("Item", "second"), RuntimeDriver.Raised("Item", "third"));

        Assert.Equal("\"first,second,third\"", driver.Runtime.Outcome?.Output);
        Assert.Empty(driver.Runtime.BufferedEvents);
    }

    [Fact]
    public void WaitForExternalEvent_ConcurrentWaitsForOneName_CompleteInTheOrderTheyStarted()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            var first = ctx.WaitForExternalEvent<string>("Vote");
            var second = ctx.WaitForExternalEvent<string>("Vote");
            return $"{await second} after {await first}";
        }));
        driver.Start(null);

        driver.Step(T0.AddSeconds(1), RuntimeDriver.Raised("Vote", "a"), RuntimeDriver.Raised("Vote", "b"));

        Assert.Equal("\"b after a\"", driver.Runtime.Outcome?.Output);
    }

    [Theory]
    [InlineData("APPROVAL")]
    [InlineData("approval")]
    [InlineData("Approval")]
    public void WaitForExternalEvent_NameInAnotherCase_Matches(string raisedName)
    {
        var waiting = new RuntimeDriver(PrepareThenWait("Approval"));
        waiting.Start(1);
        waiting.Step(T0.AddSeconds(1), RuntimeDriver.Completed(0, null));
        var buffered = new RuntimeDriver(PrepareThenWait("Approval"));
        buffered.Start(1);
        buffered.Step(T0.AddSeconds(1), RuntimeDriver.Raised(raisedName, "yes"));

        waiting.Step(T0.AddSeconds(2), RuntimeDriver.Raised(raisedName, "yes"));
        buffered.Step(T0.AddSeconds(2), RuntimeDriver.Completed(0, null));

        Assert.Equal("\"yes\"", waiting.Runtime.Outcome?.Output);
        Assert.Equal("\"yes\"", buffered.Runtime.Outcome?.Output);
    }

    [Fact]
    public void WaitForExternalEvent_OtherName_StaysBuffered()
    {
        var driver = new RuntimeDriver(PrepareThenWait("Approval"));
        driver.Start(1);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.Completed(0, null));

        driver.Step(T0.AddSeconds(2), RuntimeDriver.Raised("Rejection", "no"));

        Assert.Null(driver.Runtime.Outcome);
        Assert.Equal("Rejection", Assert.Single(driver.Runtime.BufferedEvents).Name);
    }

    private static TaskOrchestrator<string, string> WaitWithTimeout() => FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
    {
        try
        {
            return await ctx.WaitForExternalEvent<string>("Approval", TimeSpan.FromHours(1));
        }
        catch (TaskCanceledException)
        {
            return "timed out";
        }
    });

    [Fact]
    public void WaitForExternalEvent_WithTimeout_CreatesATimer()
    {
        var driver = new RuntimeDriver(WaitWithTimeout());

        var step = driver.Start(null);

        var timer = Assert.IsType<TimerCreatedEvent>(step.NewEvents[^1]);
        Assert.Equal(0, timer.EventId);
        Assert.Equal(T0.AddHours(1), timer.FireAt);
    }

    [Fact]
    public void WaitForExternalEvent_TimerFiresFirst_ThrowsTaskCanceledException()
    {
        var driver = new RuntimeDriver(WaitWithTimeout());
        driver.Start(null);

        driver.Step(T0.AddHours(1), RuntimeDriver.Fired(0, T0.AddHours(1)));

        Assert.Equal(OrchestrationStatus.Completed, driver.Runtime.Outcome?.Status);
        Assert.Equal("\"timed out\"", driver.Runtime.Outcome?.Output);
    }

    [Fact]
    public void WaitForExternalEvent_TimedOutThenRaised_EventIsBufferedNotDelivered()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            string first;
            try
            {
                first = await ctx.WaitForExternalEvent<string>("Approval", TimeSpan.FromHours(1));
            }
            catch (TaskCanceledException)
            {
                first = "timed out";
            }

            await ctx.CallActivityAsync("Escalate");
            return $"{first},{await ctx.WaitForExternalEvent<string>("Approval")}";
        }));
        driver.Start(null);
        driver.Step(T0.AddHours(1), RuntimeDriver.Fired(0, T0.AddHours(1)));

        driver.Step(T0.AddHours(2), RuntimeDriver.Raised("Approval", "late"));
        Assert.Single(driver.Runtime.BufferedEvents);
        driver.Step(T0.AddHours(3), RuntimeDriver.Completed(1, null));

        Assert.Equal("\"timed out,late\"", driver.Runtime.Outcome?.Output);
    }

    [Fact]
    public void WaitForExternalEvent_EventBeforeTimeout_ReturnsItAndIgnoresTheTimer()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            var approval = await ctx.WaitForExternalEvent<string>("Approval", TimeSpan.FromHours(1));
            var next = await ctx.WaitForExternalEvent<string>("Next");
            return $"{approval},{next}";
        }));
        driver.Start(null);
        driver.Step(T0.AddMinutes(1), RuntimeDriver.Raised("Approval", "yes"));

        var fired = driver.Step(T0.AddHours(1), RuntimeDriver.Fired(0, T0.AddHours(1)));
        driver.Step(T0.AddHours(2), RuntimeDriver.Raised("Next", "done"));

        Assert.Empty(fired.NewActions);
        Assert.Equal("\"yes,done\"", driver.Runtime.Outcome?.Output);
    }

    [Fact]
    public void WaitForExternalEvent_AlreadyBufferedWithTimeout_ReturnsAtOnce()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            await ctx.CallActivityAsync("Prepare");
            return await ctx.WaitForExternalEvent<string>("Approval", TimeSpan.FromHours(1));
        }));
        driver.Start(null);
        driver.Step(T0.AddMinutes(1), RuntimeDriver.Raised("Approval", "early"));

        var step = driver.Step(T0.AddMinutes(2), RuntimeDriver.Completed(0, null));

        Assert.Equal("\"early\"", driver.Runtime.Outcome?.Output);
        Assert.Contains(step.NewEvents, e => e is TimerCreatedEvent);
    }

    [Fact]
    public void Replay_EventsRaisedBeforeTheWait_BufferedTheSameWay()
    {
        var live = new RuntimeDriver(PrepareThenWait("Item"));
        live.Start(2);
        live.Step(T0.AddSeconds(1), RuntimeDriver.Raised("Item", "first"), RuntimeDriver.Raised("Item", "second"));

        var replayed = RuntimeDriver.Replayed(PrepareThenWait("Item"), live.History);

        Assert.Equal(live.Runtime.BufferedEvents, replayed.BufferedEvents);
        var step = RuntimeDriver.RunStep(replayed, T0.AddSeconds(2), [live.Message(RuntimeDriver.Completed(0, null))]);
        Assert.Equal("\"first,second\"", replayed.Outcome?.Output);
        Assert.IsType<ExecutionCompletedEvent>(step.NewEvents[^1]);
    }
}
