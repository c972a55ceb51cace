using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class WorkerLifecycleTests
{
    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Stopping_a_worker_lets_the_activity_in_flight_finish_and_another_worker_carries_on(TestStore store)
    {
        using var location = TestStoreLocation.Create(store);
        var activityStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Tasks(DurableTaskRegistry r) => r
            .AddOrchestratorFunc<object?, string>("TwoSteps", async (ctx, _) =>
                await ctx.CallActivityAsync<string>("Slow") + await ctx.CallActivityAsync<string>("Fast"))
            .AddActivityFunc<string>("Slow", async _ =>
            {
                activityStarted.TrySetResult();
                await release.Task;
                return "slow+";
            })
            .AddActivityFunc<string>("Fast", _ => "fast");

        var first = await PerdureTestHost.StartAsync(location, Tasks);
        var id = await first.Client.ScheduleNewOrchestrationInstanceAsync("TwoSteps");
        await activityStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var stopping = first.StopAsync();
        release.SetResult();
        await stopping;
        await first.DisposeAsync();

        await using var second = await PerdureTestHost.StartAsync(location, Tasks);
        var result = await second.WaitAsync(id);

        Assert.Equal("slow+fast", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_activity_abandoned_by_a_stopped_worker_runs_again_when_its_lease_runs_out(TestStore store)
    {
        using var location = TestStoreLocation.Create(store);
        var runs = new ConcurrentQueue<string>();
        var firstRunStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var neverReleased = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        void Tasks(DurableTaskRegistry r) => r
            .AddOrchestratorFunc<object?, string>("OneStep", (ctx, _) => ctx.CallActivityAsync<string>("Stuck"))
            .AddActivityFunc<string>("Stuck", async _ =>
            {
                runs.Enqueue("run");
                if (runs.Count == 1)
                {
                    firstRunStarted.TrySetResult();
                    await neverReleased.Task;
                }

                return "done";
            });
        void ShortLeases(Engine.PerdureWorkerOptions o)
        {
            o.LeaseDuration = TimeSpan.FromMilliseconds(300);
            o.ShutdownTimeout = TimeSpan.FromMilliseconds(50);
        }

        var first = await PerdureTestHost.StartAsync(location, Tasks, configureWorker: ShortLeases);
        var id = await first.Client.ScheduleNewOrchestrationInstanceAsync("OneStep");
        await firstRunStarted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await first.DisposeAsync();

        await using var second = await PerdureTestHost.StartAsync(location, Tasks, configureWorker: ShortLeases);
        var result = await second.WaitAsync(id);

        Assert.Equal("done", result.ReadOutputAs<string>());
        Assert.Equal(2, runs.Count);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_step_that_blocks_its_thread_is_abandoned_after_the_deadlock_timeout_and_retried(TestStore store)
    {
        var logs = new RecordingLoggerProvider();
        using var unblock = new ManualResetEventSlim();
        var attempts = 0;
        await using var host = await PerdureTestHost.StartAsync(
            store,
            r => r.AddOrchestratorFunc<object?, int>("Blocks", (_, _) =>
            {
                if (Interlocked.Increment(ref attempts) == 1)
                {
                    unblock.Wait(TimeSpan.FromSeconds(30));
                }

                return attempts;
            }),
            configureWorker: o => o.DeadlockTimeout = TimeSpan.FromMilliseconds(200),
            configureServices: s => s.AddSingleton<ILoggerProvider>(logs));

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Blocks");
        await logs.WhenLogged(2012).WaitAsync(TimeSpan.FromSeconds(30));
        unblock.Set();
        var result = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(2, result.ReadOutputAs<int>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_orchestrator_that_keeps_blocking_fails_with_a_message_that_says_what_to_do(TestStore store)
    {
        using var never = new ManualResetEventSlim();
        try
        {
            await using var host = await PerdureTestHost.StartAsync(
                store,
                r => r.AddOrchestratorFunc<object?, int>("AlwaysBlocks", (_, _) =>
                {
                    never.Wait(TimeSpan.FromSeconds(60));
                    return 0;
                }),
                configureWorker: o =>
                {
                    o.DeadlockTimeout = TimeSpan.FromMilliseconds(100);
                    o.MaxDeadlockedAttempts = 2;
                });

            var result = await host.RunAsync("AlwaysBlocks");

            Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
            Assert.Equal(typeof(Engine.OrchestratorMisuseException).FullName, result.FailureDetails!.ErrorType);
            Assert.Contains("must not block", result.FailureDetails.ErrorMessage, StringComparison.Ordinal);
        }
        finally
        {
            never.Set();
        }
    }
}
