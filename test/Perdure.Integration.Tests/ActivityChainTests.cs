using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class ActivityChainTests
{
    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_chain_of_activities_returns_the_combined_output(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<string, string>("Greet", async (ctx, name) =>
            {
                var a = await ctx.CallActivityAsync<string>("Hello", name);
                var b = await ctx.CallActivityAsync<string>("Hello", a);
                return b;
            })
            .AddActivityFunc<string, string>("Hello", (_, s) => $"Hello {s}"));

        var result = await host.RunAsync("Greet", "Tokyo");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("Hello Hello Tokyo", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Without_the_sticky_cache_results_take_the_inbox_and_the_chain_gives_the_same_output(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(
            store,
            r => r
                .AddOrchestratorFunc<string, string>("Greet", async (ctx, name) =>
                {
                    var a = await ctx.CallActivityAsync<string>("Hello", name);
                    return await ctx.CallActivityAsync<string>("Hello", a);
                })
                .AddActivityFunc<string, string>("Hello", (_, s) => $"Hello {s}"),
            configureWorker: o => o.CacheCapacity = 0);

        var result = await host.RunAsync("Greet", "Lima");

        Assert.Equal("Hello Hello Lima", result.ReadOutputAs<string>());
    }

    private static readonly ConcurrentDictionary<string, (TaskCompletionSource Marked, TaskCompletionSource Release)> s_gates = new();

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_activity_finishing_while_other_steps_commit_is_applied_once_in_order(TestStore store)
    {
        // "Slow" finishes only after the instance has taken an event and scheduled "Mark" in between: its result then
        // meets a cached runtime that moved on (or is busy), and must be applied exactly once all the same.
        var key = Guid.NewGuid().ToString("N");
        var gates = s_gates[key] = (new(TaskCreationOptions.RunContinuationsAsynchronously), new(TaskCreationOptions.RunContinuationsAsynchronously));
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<string, string>("Race", async (ctx, k) =>
            {
                var slow = ctx.CallActivityAsync<string>("Slow", k);
                var go = await ctx.WaitForExternalEvent<string>("Go");
                var mark = await ctx.CallActivityAsync<string>("Mark", k);
                return $"{go}+{mark}+{await slow}";
            })
            .AddActivityFunc<string, string>("Slow", async (_, k) =>
            {
                await s_gates[k].Release.Task;
                return "slow";
            })
            .AddActivityFunc<string, string>("Mark", (_, k) =>
            {
                s_gates[k].Marked.TrySetResult();
                return "mark";
            }));

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Race", key);
        await host.Client.RaiseEventAsync(id, "Go", "go");
        await gates.Marked.Task.WaitAsync(TimeSpan.FromSeconds(30));
        gates.Release.SetResult();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await host.Client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("go+mark+slow", result.ReadOutputAs<string>());
        var history = await host.Store.GetHistoryAsync(id, CancellationToken.None);
        Assert.Equal(2, history.Count(e => e is Core.History.TaskCompletedEvent));
        s_gates.TryRemove(key, out _);
    }
}
