using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class InstanceManagementTests
{
    private static void Waiter(DurableTaskRegistry r) => r
        .AddOrchestratorFunc<object?, string>("WaitForGo", (ctx, _) => ctx.WaitForExternalEvent<string>("go"))
        .AddOrchestratorFunc<object?, string>("ParentOfWaiter", (ctx, _) =>
            ctx.CallSubOrchestratorAsync<string>("WaitForGo", options: new SubOrchestrationOptions { InstanceId = ctx.InstanceId + "-child" }));

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Suspend_holds_events_until_resume(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Waiter);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        await host.Client.WaitForInstanceStartAsync(id);

        await host.Client.SuspendInstanceAsync(id, "maintenance");
        var suspended = await WaitForStatusAsync(host, id, OrchestrationRuntimeStatus.Suspended);
        await host.Client.RaiseEventAsync(id, "go", "went");
        var stillSuspended = await host.Client.GetInstanceAsync(id);
        await host.Client.ResumeInstanceAsync(id, "done");
        var result = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Suspended, suspended.RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Suspended, stillSuspended!.RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("went", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Terminate_ends_a_running_instance_with_the_given_output(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Waiter);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        await host.Client.WaitForInstanceStartAsync(id);

        await host.Client.TerminateInstanceAsync(id, "stopped by test");
        var result = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, result.RuntimeStatus);
        Assert.Equal("stopped by test", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Recursive_terminate_also_terminates_running_sub_orchestrations(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Waiter);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("ParentOfWaiter");
        await WaitForStatusAsync(host, id + "-child", OrchestrationRuntimeStatus.Running);

        await host.Client.TerminateInstanceAsync(id, new TerminateInstanceOptions { Output = "all", Recursive = true });
        var parent = await host.WaitAsync(id);
        var child = await host.WaitAsync(id + "-child");

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, parent.RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, child.RuntimeStatus);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_instance_scheduled_for_later_starts_no_earlier_than_StartAt(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, DateTime>("WhenDidIStart", (ctx, _) => ctx.CurrentUtcDateTime));
        var startAt = DateTimeOffset.UtcNow.AddMilliseconds(300);

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("WhenDidIStart", new StartOrchestrationOptions { StartAt = startAt });
        var pending = await host.Client.GetInstanceAsync(id);
        var result = await host.WaitAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Pending, pending!.RuntimeStatus);
        Assert.True(result.ReadOutputAs<DateTime>() >= startAt.UtcDateTime, "started before StartAt");
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Terminating_an_instance_that_has_not_started_yet_records_one_termination(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r.AddOrchestratorFunc<int, int>("Id", (_, n) => n));
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Id", 1, new StartOrchestrationOptions { StartAt = DateTimeOffset.UtcNow.AddHours(1) });

        // An event that overtakes the start makes the worker back off until the start time; terminate must not wait.
        await host.Client.RaiseEventAsync(id, "early", "x");
        await host.Client.TerminateInstanceAsync(id, "never ran");
        var result = await host.WaitAsync(id);
        var history = await host.Client.GetOrchestrationHistoryAsync(id);

        Assert.Equal(OrchestrationRuntimeStatus.Terminated, result.RuntimeStatus);
        Assert.Single(history, e => e is DurableTask.Core.History.ExecutionTerminatedEvent);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Restart_runs_a_finished_instance_again_under_the_same_or_a_new_id(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<int, int>("Double", (_, n) => n * 2));
        var first = await host.RunAsync("Double", 21);

        var sameId = await host.Client.RestartAsync(first.InstanceId, restartWithNewInstanceId: false);
        var again = await host.WaitAsync(sameId);
        var newId = await host.Client.RestartAsync(first.InstanceId, restartWithNewInstanceId: true);
        var copy = await host.WaitAsync(newId);

        Assert.Equal(first.InstanceId, sameId);
        Assert.Equal(42, again.ReadOutputAs<int>());
        Assert.NotEqual(first.InstanceId, newId);
        Assert.Equal(42, copy.ReadOutputAs<int>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Purge_removes_finished_instances_and_their_sub_orchestrations(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<int, int>("Leaf", (_, n) => n)
            .AddOrchestratorFunc<object?, int>("Root", (ctx, _) =>
                ctx.CallSubOrchestratorAsync<int>("Leaf", 1, new SubOrchestrationOptions { InstanceId = ctx.InstanceId + "-leaf" })));
        var root = await host.RunAsync("Root");

        var purged = await host.Client.PurgeInstanceAsync(root.InstanceId, new PurgeInstanceOptions { Recursive = true });

        Assert.Equal(2, purged.PurgedInstanceCount);
        Assert.Null(await host.Client.GetInstanceAsync(root.InstanceId));
        Assert.Null(await host.Client.GetInstanceAsync(root.InstanceId + "-leaf"));
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Purging_a_running_instance_is_refused_and_changes_nothing(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Waiter);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");
        await host.Client.WaitForInstanceStartAsync(id);

        await Assert.ThrowsAsync<InvalidOperationException>(() => host.Client.PurgeInstanceAsync(id));

        Assert.Equal(OrchestrationRuntimeStatus.Running, (await host.Client.GetInstanceAsync(id))!.RuntimeStatus);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Query_pages_through_instances_by_prefix_and_status(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r.AddOrchestratorFunc<int, int>("Id", (_, n) => n));
        for (var i = 0; i < 7; i++)
        {
            await host.RunAsync("Id", i);
        }

        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Id", i, new StartOrchestrationOptions { InstanceId = $"batch-{i}" });
            await host.WaitAsync(id);
        }

        var query = new OrchestrationQuery { InstanceIdPrefix = "batch-", PageSize = 2, Statuses = [OrchestrationRuntimeStatus.Completed] };
        await foreach (var page in host.Client.GetAllInstancesAsync(query).AsPages())
        {
            Assert.True(page.Values.Count <= 2);
            ids.AddRange(page.Values.Select(m => m.InstanceId));
        }

        Assert.Equal(["batch-0", "batch-1", "batch-2", "batch-3", "batch-4"], ids);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Raising_an_event_to_a_finished_instance_changes_nothing(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r.AddOrchestratorFunc<int, int>("Id", (_, n) => n));
        var done = await host.RunAsync("Id", 5);

        await host.Client.RaiseEventAsync(done.InstanceId, "late", "ignored");
        var after = await host.Client.GetInstanceAsync(done.InstanceId, getInputsAndOutputs: true);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, after!.RuntimeStatus);
        Assert.Equal(5, after.ReadOutputAs<int>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Scheduling_a_running_instance_id_again_is_refused(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Waiter);
        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo");

        var error = await Assert.ThrowsAnyAsync<Exception>(() =>
            host.Client.ScheduleNewOrchestrationInstanceAsync("WaitForGo", new StartOrchestrationOptions { InstanceId = id }));

        Assert.Contains(id, error.Message, StringComparison.Ordinal);
    }

    private static async Task<OrchestrationMetadata> WaitForStatusAsync(PerdureTestHost host, string id, OrchestrationRuntimeStatus status)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var state = await host.Store.WaitForInstanceAsync(id, s => s is not null && (int)s.Status == (int)status, false, cts.Token);
        Assert.NotNull(state);
        return (await host.Client.GetInstanceAsync(id))!;
    }
}
