using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class ContextTests
{
    private static readonly ConcurrentDictionary<string, bool> s_changeBehaviour = new();

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Custom_status_is_visible_to_the_client(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, int>("Status", async (ctx, _) =>
            {
                ctx.SetCustomStatus(new { stage = "one" });
                await ctx.CallActivityAsync("Noop");
                ctx.SetCustomStatus(new { stage = "two" });
                return 1;
            })
            .AddActivityFunc("Noop", (TaskActivityContext _) => { }));

        var result = await host.RunAsync("Status");

        Assert.Equal("{\"stage\":\"two\"}", result.SerializedCustomStatus);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task NewGuid_and_CurrentUtcDateTime_are_stable_across_replays(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(
            store,
            r => r
                .AddOrchestratorFunc<object?, string>("Stable", async (ctx, _) =>
                {
                    var guid = ctx.NewGuid();
                    var time = ctx.CurrentUtcDateTime;
                    var echoed = await ctx.CallActivityAsync<string>("Echo", $"{guid}|{time:O}");
                    await ctx.CallActivityAsync("Echo", "second step forces a replay with the cache off");
                    return echoed == $"{guid}|{time:O}" ? "stable" : $"changed: {echoed} vs {guid}|{time:O}";
                })
                .AddActivityFunc<string, string>("Echo", (_, s) => s),
            configureWorker: o => o.CacheCapacity = 0);

        var result = await host.RunAsync("Stable");

        Assert.Equal("stable", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task IsReplaying_is_true_only_while_old_history_replays(TestStore store)
    {
        var observed = new ConcurrentQueue<bool>();
        await using var host = await PerdureTestHost.StartAsync(
            store,
            r => r
                .AddOrchestratorFunc<object?, int>("Observe", async (ctx, _) =>
                {
                    observed.Enqueue(ctx.IsReplaying);
                    await ctx.CallActivityAsync("Noop");
                    observed.Enqueue(ctx.IsReplaying);
                    return 0;
                })
                .AddActivityFunc("Noop", (TaskActivityContext _) => { }),
            configureWorker: o => o.CacheCapacity = 0);

        await host.RunAsync("Observe");

        // Step 1: start (live). Step 2, cache off: replay of the start, then the live continuation.
        Assert.Equal([false, true, false], observed.ToArray());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task The_replay_safe_logger_writes_each_message_once(TestStore store)
    {
        var provider = new RecordingLoggerProvider();
        await using var host = await PerdureTestHost.StartAsync(
            store,
            r => r
                .AddOrchestratorFunc<object?, int>("Logs", async (ctx, _) =>
                {
                    var logger = ctx.CreateReplaySafeLogger("Orchestration");
                    logger.LogWarning("before");
                    await ctx.CallActivityAsync("Noop");
                    logger.LogWarning("after");
                    return 0;
                })
                .AddActivityFunc("Noop", (TaskActivityContext _) => { }),
            configureWorker: o => o.CacheCapacity = 0,
            configureServices: s => s.AddSingleton<ILoggerProvider>(provider));

        await host.RunAsync("Logs");

        Assert.Equal(["before", "after"], provider.MessagesOf("Orchestration"));
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_changed_orchestrator_replaying_old_history_fails_with_a_nondeterminism_message(TestStore store)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var host = await PerdureTestHost.StartAsync(
            store,
            r => r
                .AddOrchestratorFunc<object?, string>("Changes", async (ctx, _) =>
                {
                    var name = s_changeBehaviour.ContainsKey(ctx.InstanceId) ? "ReserveInventory" : "ChargePayment";
                    await ctx.CallActivityAsync(name);
                    await ctx.CallActivityAsync("Gate");
                    return "done";
                })
                .AddActivityFunc("ChargePayment", (TaskActivityContext _) => { })
                .AddActivityFunc("ReserveInventory", (TaskActivityContext _) => { })
                .AddActivityFunc("Gate", async (TaskActivityContext ctx) =>
                {
                    s_changeBehaviour[ctx.InstanceId] = true;
                    await gate.Task;
                }),
            configureWorker: o => o.CacheCapacity = 0);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Changes");
        gate.SetResult();
        var result = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal(typeof(Perdure.Engine.NonDeterministicOrchestrationException).FullName, result.FailureDetails!.ErrorType);
        Assert.Contains("TaskScheduled 'ChargePayment'", result.FailureDetails.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("TaskScheduled 'ReserveInventory'", result.FailureDetails.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Awaiting_Task_Delay_in_an_orchestrator_fails_it_with_a_message_naming_CreateTimer(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, int>("Misuse", async (ctx, _) =>
            {
                // The delay is the misuse under test; the test itself never waits for it.
                await Task.Delay(TimeSpan.FromHours(1));
                return 0;
            }));

        var result = await host.RunAsync("Misuse");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Contains("context.CreateTimer", result.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_orchestration_that_throws_fails_with_its_exception_details(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, int>("Throws", (TaskOrchestrationContext _, object? _) => Task.FromException<int>(new ArgumentException("bad order"))));

        var result = await host.RunAsync("Throws");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal("System.ArgumentException", result.FailureDetails!.ErrorType);
        Assert.Equal("bad order", result.FailureDetails.ErrorMessage);
    }
}
