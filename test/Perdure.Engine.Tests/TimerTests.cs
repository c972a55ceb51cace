using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Tests;

/// <summary>Durable timers: fire times from orchestration time, completion through history, cancellation.</summary>
public sealed class TimerTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;

    [Fact]
    public void CreateTimer_Delay_RecordsFireAtFromTheStepTime()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            await ctx.CreateTimer(TimeSpan.FromMinutes(5), CancellationToken.None);
            return "woke";
        }));

        var step = driver.Start(null);

        var timer = Assert.IsType<TimerCreatedEvent>(step.NewEvents[^1]);
        Assert.Equal(0, timer.EventId);
        Assert.Equal(T0.AddMinutes(5), timer.FireAt);
        Assert.Equal(TimeSpan.Zero, timer.FireAt.Offset);
        var action = Assert.IsType<CreateTimerAction>(Assert.Single(step.NewActions));
        Assert.Equal(T0.AddMinutes(5), action.FireAt);
        Assert.Null(driver.Runtime.Outcome);
    }

    [Fact]
    public void CreateTimer_AfterALaterStep_UsesThatStepsTime()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            await ctx.CallActivityAsync("A");
            await ctx.CreateTimer(TimeSpan.FromSeconds(30), CancellationToken.None);
            return "woke";
        }));
        driver.Start(null);

        var step = driver.Step(T0.AddHours(2), RuntimeDriver.Completed(0, null));

        Assert.Equal(T0.AddHours(2).AddSeconds(30), Assert.IsType<TimerCreatedEvent>(step.NewEvents[^1]).FireAt);
    }

    [Fact]
    public void CreateTimer_AbsoluteLocalTime_IsRecordedInUtc()
    {
        var fireAt = T0.AddDays(1);
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            await ctx.CreateTimer(fireAt.UtcDateTime, CancellationToken.None);
            return "woke";
        }));

        var step = driver.Start(null);

        Assert.Equal(fireAt, Assert.IsType<TimerCreatedEvent>(step.NewEvents[^1]).FireAt);
    }

    [Fact]
    public void RunStep_TimerFired_CompletesTheTimer()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            await ctx.CreateTimer(TimeSpan.FromMinutes(5), CancellationToken.None);
            return $"woke at {ctx.CurrentUtcDateTime:HH:mm}";
        }));
        driver.Start(null);

        var step = driver.Step(T0.AddMinutes(5), RuntimeDriver.Fired(0, T0.AddMinutes(5)));

        Assert.Equal(OrchestrationStatus.Completed, driver.Runtime.Outcome?.Status);
        Assert.Equal("\"woke at 09:05\"", driver.Runtime.Outcome?.Output);
        Assert.IsType<TimerFiredEvent>(step.NewEvents[1]);
    }

    [Fact]
    public void RunStep_TimerCancelledThenFired_CompletesAsCancelledAndIgnoresTheFiring()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            using var cts = new CancellationTokenSource();
            var timer = ctx.CreateTimer(TimeSpan.FromHours(1), cts.Token);
            await ctx.WaitForExternalEvent<string>("Stop");
            cts.Cancel();
            var state = timer.IsCanceled ? "cancelled" : timer.Status.ToString();
            var next = await ctx.WaitForExternalEvent<string>("Next");
            return $"{state},{next},{timer.Status}";
        }));
        driver.Start(null);
        driver.Step(T0.AddMinutes(1), RuntimeDriver.Raised("Stop", null));

        var fired = driver.Step(T0.AddHours(1), RuntimeDriver.Fired(0, T0.AddHours(1)));

        Assert.Null(driver.Runtime.Outcome);
        Assert.Empty(fired.NewActions);
        Assert.Equal(2, fired.NewEvents.Count);
        Assert.Single(fired.ConsumedMessageIds);

        driver.Step(T0.AddHours(2), RuntimeDriver.Raised("Next", "go"));
        Assert.Equal("\"cancelled,go,Canceled\"", driver.Runtime.Outcome?.Output);
    }

    [Fact]
    public void Replay_TimerCancelledThenFired_ReachesTheSameOutcome()
    {
        static TaskOrchestrator<string, string> Race() => FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            using var cts = new CancellationTokenSource();
            var timer = ctx.CreateTimer(TimeSpan.FromHours(1), cts.Token);
            var stop = ctx.WaitForExternalEvent<string>("Stop");
            if (await Task.WhenAny(timer, stop) == stop)
            {
                cts.Cancel();
            }

            var next = await ctx.WaitForExternalEvent<string>("Next");
            return $"{timer.Status},{next}";
        });
        var live = new RuntimeDriver(Race());
        live.Start(null);
        live.Step(T0.AddMinutes(1), RuntimeDriver.Raised("Stop", null));
        live.Step(T0.AddHours(1), RuntimeDriver.Fired(0, T0.AddHours(1)));
        live.Step(T0.AddHours(2), RuntimeDriver.Raised("Next", "go"));

        var replayed = RuntimeDriver.Replayed(Race(), live.History);

        Assert.Equal("\"Canceled,go\"", live.Runtime.Outcome?.Output);
        Assert.Equal(live.Runtime.Outcome, replayed.Outcome);
    }
}
