using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class ContinueAsNewTests
{
    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task ContinueAsNew_restarts_with_the_new_input_until_done(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<int, int>("CountTo10", async (ctx, n) =>
            {
                var next = await ctx.CallActivityAsync<int>("Increment", n);
                if (next < 10)
                {
                    ctx.ContinueAsNew(next);
                }

                return next;
            })
            .AddActivityFunc<int, int>("Increment", (_, n) => n + 1));

        var result = await host.RunAsync("CountTo10", 0);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(10, result.ReadOutputAs<int>());
        Assert.Equal(9, result.ReadInputAs<int>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task No_event_is_lost_around_a_continue_as_new_that_preserves_unprocessed_events(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<int, int>("Accumulate", async (ctx, total) =>
            {
                var value = await ctx.WaitForExternalEvent<int>("add");
                total += value;
                if (value != 0)
                {
                    ctx.ContinueAsNew(total, preserveUnprocessedEvents: true);
                }

                return total;
            }));

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Accumulate", 0);
        for (var i = 1; i <= 20; i++)
        {
            await host.Client.RaiseEventAsync(id, "add", i);
        }

        await host.Client.RaiseEventAsync(id, "add", 0);
        var result = await host.WaitAsync(id);

        Assert.Equal(Enumerable.Range(1, 20).Sum(), result.ReadOutputAs<int>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Events_carried_across_continue_as_new_keep_their_arrival_order(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<string, string>("Sequence", async (ctx, seen) =>
            {
                var next = await ctx.WaitForExternalEvent<string>("item");
                if (next == "end")
                {
                    return seen;
                }

                ctx.ContinueAsNew(seen + next, preserveUnprocessedEvents: true);
                return seen;
            }));

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Sequence", string.Empty);
        var expected = string.Concat(Enumerable.Range(0, 30).Select(i => (char)('a' + (i % 26))));
        foreach (var c in expected)
        {
            await host.Client.RaiseEventAsync(id, "item", c.ToString());
        }

        await host.Client.RaiseEventAsync(id, "item", "end");
        var result = await host.WaitAsync(id);

        Assert.Equal(expected, result.ReadOutputAs<string>());
    }
}
