using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class FanOutTests
{
    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Fan_out_fan_in_sums_every_result(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<int, int>("SumSquares", async (ctx, n) =>
            {
                var tasks = Enumerable.Range(1, n).Select(i => ctx.CallActivityAsync<int>("Square", i)).ToList();
                var results = await Task.WhenAll(tasks);
                return results.Sum();
            })
            .AddActivityFunc<int, int>("Square", (_, i) => i * i));

        var result = await host.RunAsync("SumSquares", 200);

        Assert.Equal(Enumerable.Range(1, 200).Sum(i => i * i), result.ReadOutputAs<int>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task WhenAny_continues_with_the_first_task_to_finish(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("Race", async (ctx, _) =>
            {
                using var cts = new CancellationTokenSource();
                var slowTimer = ctx.CreateTimer(TimeSpan.FromDays(1), cts.Token);
                var fast = ctx.CallActivityAsync<string>("Fast");
                var winner = await Task.WhenAny(slowTimer, fast);
                cts.Cancel();
                return winner == fast ? await fast : "timer";
            })
            .AddActivityFunc<string>("Fast", _ => "activity"));

        var result = await host.RunAsync("Race");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("activity", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_thousand_concurrent_orchestrations_of_five_activities_all_complete_correctly(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<string, string>("Chain5", async (ctx, input) =>
            {
                var value = input;
                for (var i = 0; i < 5; i++)
                {
                    value = await ctx.CallActivityAsync<string>("Append", value);
                }

                return value;
            })
            .AddActivityFunc<string, string>("Append", (_, s) => s + "."));

        var ids = await Task.WhenAll(Enumerable.Range(0, 1000)
            .Select(i => host.Client.ScheduleNewOrchestrationInstanceAsync("Chain5", $"n{i}")));
        var results = await Task.WhenAll(ids.Select(id => host.WaitAsync(id, TimeSpan.FromSeconds(120))));

        for (var i = 0; i < results.Length; i++)
        {
            Assert.Equal(OrchestrationRuntimeStatus.Completed, results[i].RuntimeStatus);
            Assert.Equal($"n{i}.....", results[i].ReadOutputAs<string>());
        }
    }
}
