using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class EventAndTimerTests
{
    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_durable_timer_fires_and_the_orchestration_continues(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, bool>("Nap", async (ctx, _) =>
            {
                var before = ctx.CurrentUtcDateTime;
                await ctx.CreateTimer(TimeSpan.FromMilliseconds(50), CancellationToken.None);
                return ctx.CurrentUtcDateTime >= before.AddMilliseconds(50);
            }));

        var result = await host.RunAsync("Nap");

        Assert.True(result.ReadOutputAs<bool>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Timers_fire_at_their_due_time_without_the_safety_poll(TestStore store)
    {
        // The safety poll is out of reach, so each timer must be woken by its due time. A dispatcher that woke a moment
        // before it (timers round waits down to whole milliseconds) claimed nothing and then no longer saw the timer as
        // due "later", leaving it to the safety poll.
        await using var host = await PerdureTestHost.StartAsync(
            store,
            r => r.AddOrchestratorFunc<object?, int>("Naps", async (ctx, _) =>
            {
                for (var i = 0; i < 10; i++)
                {
                    await ctx.CreateTimer(TimeSpan.FromMilliseconds(20 + i), CancellationToken.None);
                }

                return 10;
            }),
            o => o.SafetyPollInterval = TimeSpan.FromMinutes(10));

        var results = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => host.RunAsync("Naps", timeout: TimeSpan.FromSeconds(60))));

        Assert.All(results, r => Assert.Equal(10, r.ReadOutputAs<int>()));
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Events_raised_before_the_wait_are_buffered_and_consumed_one_per_wait_in_order(TestStore store)
    {
        var waiting = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("Collect", async (ctx, _) =>
            {
                await ctx.CallActivityAsync("Gate");
                var a = await ctx.WaitForExternalEvent<string>("item");
                var b = await ctx.WaitForExternalEvent<string>("ITEM");
                var c = await ctx.WaitForExternalEvent<string>("Item");
                return a + b + c;
            })
            .AddActivityFunc("Gate", async (TaskActivityContext _) => await waiting.Task));

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Collect");
        await host.Client.RaiseEventAsync(id, "Item", "1");
        await host.Client.RaiseEventAsync(id, "item", "2");
        await host.Client.RaiseEventAsync(id, "iTeM", "3");
        waiting.SetResult();
        var result = await host.WaitAsync(id);

        Assert.Equal("123", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_event_wait_with_a_timeout_throws_TaskCanceledException_when_the_timer_wins(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("Impatient", async (ctx, _) =>
            {
                try
                {
                    return await ctx.WaitForExternalEvent<string>("never", TimeSpan.FromMilliseconds(50));
                }
                catch (TaskCanceledException)
                {
                    return "timed out";
                }
            }));

        var result = await host.RunAsync("Impatient");

        Assert.Equal("timed out", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_event_arriving_before_the_timeout_wins_the_race(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("Approve", async (ctx, _) =>
            {
                ctx.SetCustomStatus("waiting");
                return await ctx.WaitForExternalEvent<string>("approval", TimeSpan.FromMinutes(10));
            }));

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Approve");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var started = await host.Client.WaitForInstanceStartAsync(id, getInputsAndOutputs: true, cts.Token);
        Assert.Equal("waiting", started.ReadCustomStatusAs<string>());
        await host.Client.RaiseEventAsync(id, "approval", "yes");
        var result = await host.WaitAsync(id);

        Assert.Equal("yes", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_wait_cancelled_through_its_token_ends_with_TaskCanceledException(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("CancelWait", async (ctx, _) =>
            {
                using var cts = new CancellationTokenSource();
                var wait = ctx.WaitForExternalEvent<string>("x", cts.Token);
                await ctx.CallActivityAsync("Noop");
                cts.Cancel();
                try
                {
                    await wait;
                    return "received";
                }
                catch (TaskCanceledException)
                {
                    return "cancelled";
                }
            })
            .AddActivityFunc("Noop", (TaskActivityContext _) => { }));

        var result = await host.RunAsync("CancelWait");

        Assert.Equal("cancelled", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task SendEvent_delivers_an_event_to_another_instance(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("Receiver", (ctx, _) => ctx.WaitForExternalEvent<string>("ping"))
            .AddOrchestratorFunc<string, bool>("Sender", (ctx, target) =>
            {
                ctx.SendEvent(target, "ping", "pong");
                return true;
            }));

        var receiver = await host.Client.ScheduleNewOrchestrationInstanceAsync("Receiver");
        await host.RunAsync("Sender", receiver);
        var result = await host.WaitAsync(receiver);

        Assert.Equal("pong", result.ReadOutputAs<string>());
    }
}
