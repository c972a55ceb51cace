using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Core;
using Perdure.Core.History;
using Dtf = DurableTask.Core;
using DtfHistory = DurableTask.Core.History;

namespace Perdure.Client.Tests;

public sealed class MaintenanceTests
{
    [Theory]
    [InlineData(OrchestrationStatus.Completed)]
    [InlineData(OrchestrationStatus.Failed)]
    [InlineData(OrchestrationStatus.Terminated)]
    public async Task Purge_FinishedInstance_DeletesItAndCountsOne(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", status);
        await harness.CreateAsync("order-2", OrchestrationStatus.Completed);

        var result = await harness.Client.PurgeInstanceAsync("order-1");

        Assert.Equal(1, result.PurgedInstanceCount);
        Assert.True(result.IsComplete);
        Assert.Null(await harness.Client.GetInstanceAsync("order-1"));
        Assert.NotNull(await harness.Client.GetInstanceAsync("order-2"));
    }

    [Fact]
    public async Task Purge_UnknownInstance_CountsZero()
    {
        await using var harness = new ClientHarness();

        var result = await harness.Client.PurgeInstanceAsync("nobody", CancellationToken.None);

        Assert.Equal(0, result.PurgedInstanceCount);
    }

    [Theory]
    [InlineData(OrchestrationStatus.Pending)]
    [InlineData(OrchestrationStatus.Running)]
    [InlineData(OrchestrationStatus.Suspended)]
    public async Task Purge_UnfinishedInstance_ThrowsInvalidOperationAndDeletesNothing(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", status);
        var before = await harness.SnapshotAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Client.PurgeInstanceAsync("order-1"));

        Assert.IsType<InstanceStateException>(e.InnerException);
        Assert.Contains("Terminate it first", e.Message, StringComparison.Ordinal);
        await harness.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task Purge_Recursive_DeletesFinishedSubOrchestrationsToo()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("parent", OrchestrationStatus.Completed);
        var parent = await harness.Store.GetInstanceAsync("parent", false, CancellationToken.None);
        await harness.Store.CreateInstanceAsync(
            new NewInstance
            {
                InstanceId = "child",
                Started = new ExecutionStartedEvent
                {
                    Name = "Child",
                    ExecutionId = "child-exec",
                    Parent = new ParentInstance("Order", "parent", parent!.ExecutionId, 3),
                },
            },
            CancellationToken.None);
        await harness.StepAsync("child", OrchestrationStatus.Completed);

        var result = await harness.Client.PurgeInstanceAsync("parent", new PurgeInstanceOptions(Recursive: true));

        Assert.Equal(2, result.PurgedInstanceCount);
        Assert.Empty(await harness.SnapshotAsync());
    }

    [Fact]
    public async Task Purge_NullOrEmptyId_ThrowsArgumentExceptions()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.PurgeInstanceAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.PurgeInstanceAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.PurgeInstanceAsync("\0x"));
    }

    [Fact]
    public async Task PurgeAll_Filter_DeletesMatchingFinishedInstancesOnly()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("old", OrchestrationStatus.Completed);
        harness.Time.Advance(TimeSpan.FromDays(1));
        var from = harness.Time.GetUtcNow();
        await harness.CreateAsync("done", OrchestrationStatus.Completed);
        await harness.CreateAsync("failed", OrchestrationStatus.Failed);
        await harness.CreateAsync("running", OrchestrationStatus.Running);

        var result = await harness.Client.PurgeAllInstancesAsync(
            new PurgeInstancesFilter(CreatedFrom: from, Statuses: [OrchestrationRuntimeStatus.Completed, OrchestrationRuntimeStatus.Running]));

        Assert.Equal(1, result.PurgedInstanceCount);
        Assert.True(result.IsComplete);
        Assert.Equal(["failed", "old", "running"], (await harness.SnapshotAsync()).Select(s => s.InstanceId));
    }

    [Fact]
    public async Task PurgeAll_NoStatuses_DeletesEveryFinishedInstance()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("done", OrchestrationStatus.Completed);
        await harness.CreateAsync("failed", OrchestrationStatus.Failed);
        await harness.CreateAsync("running", OrchestrationStatus.Running);

        var result = await harness.Client.PurgeAllInstancesAsync(new PurgeInstancesFilter(), CancellationToken.None);

        Assert.Equal(2, result.PurgedInstanceCount);
        Assert.Equal("running", Assert.Single(await harness.SnapshotAsync()).InstanceId);
    }

    [Fact]
    public async Task PurgeAll_OnlyUnfinishedStatuses_DeletesNothing()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("done", OrchestrationStatus.Completed);
        await harness.CreateAsync("running", OrchestrationStatus.Running);

        var result = await harness.Client.PurgeAllInstancesAsync(
            new PurgeInstancesFilter(Statuses: [OrchestrationRuntimeStatus.Running]), new PurgeInstanceOptions(Recursive: true));

        Assert.Equal(0, result.PurgedInstanceCount);
        Assert.Equal(2, (await harness.SnapshotAsync()).Count);
    }

    [Fact]
    public async Task PurgeAll_NullFilter_ThrowsArgumentNull()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.PurgeAllInstancesAsync(null!));
    }

    [Fact]
    public async Task Restart_FinishedInstanceSameId_StartsItOverWithTheSameNameVersionInputAndTags()
    {
        await using var harness = new ClientHarness();
        var options = new StartOrchestrationOptions("order-1")
        {
            Version = new TaskVersion("2.1"),
            Tags = new Dictionary<string, string> { ["tenant"] = "contoso" },
        };
        await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", "in", options);
        await harness.StepAsync("order-1", OrchestrationStatus.Failed, failure: new FailureDetails("E", "boom"));
        var old = await harness.Store.GetInstanceAsync("order-1", false, CancellationToken.None);

        var id = await harness.Client.RestartAsync("order-1");

        Assert.Equal("order-1", id);
        var state = await harness.Store.GetInstanceAsync("order-1", true, CancellationToken.None);
        Assert.Equal(OrchestrationStatus.Pending, state!.Status);
        Assert.NotEqual(old!.ExecutionId, state.ExecutionId);
        Assert.Null(state.Failure);
        var started = Assert.IsType<ExecutionStartedEvent>(Assert.Single(await harness.PeekInboxAsync("order-1")));
        Assert.Equal("Order", started.Name);
        Assert.Equal("2.1", started.Version);
        Assert.Equal("\"in\"", started.Input);
        Assert.Equal("contoso", started.Tags!["tenant"]);
        Assert.Equal(state.ExecutionId, started.ExecutionId);
    }

    [Fact]
    public async Task Restart_NewInstanceId_StartsACopyAndKeepsTheOriginal()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running, input: "in");

        var id = await harness.Client.RestartAsync("order-1", restartWithNewInstanceId: true);

        Assert.Matches("^[0-9a-f]{32}$", id);
        Assert.Equal(OrchestrationStatus.Running, (await harness.Store.GetInstanceAsync("order-1", false, CancellationToken.None))!.Status);
        var copy = await harness.Client.GetInstanceAsync(id, getInputsAndOutputs: true);
        Assert.Equal(OrchestrationRuntimeStatus.Pending, copy!.RuntimeStatus);
        Assert.Equal("Order", copy.Name);
        Assert.Equal("in", copy.ReadInputAs<string>());
    }

    [Fact]
    public async Task Restart_UnknownInstance_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.RestartAsync("nobody", true));

        Assert.Equal("instanceId", e.ParamName);
        Assert.Empty(await harness.SnapshotAsync());
    }

    [Theory]
    [InlineData(OrchestrationStatus.Pending)]
    [InlineData(OrchestrationStatus.Running)]
    [InlineData(OrchestrationStatus.Suspended)]
    public async Task Restart_UnfinishedInstanceSameId_ThrowsInvalidOperationAndChangesNothing(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", status);
        var before = await harness.SnapshotAsync();

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Client.RestartAsync("order-1"));

        Assert.Contains("restartWithNewInstanceId", e.Message, StringComparison.Ordinal);
        await harness.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task Restart_NullEmptyOrEntityId_ThrowsArgumentExceptions()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.RestartAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.RestartAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.RestartAsync("@e@k"));
    }

    [Fact]
    public async Task GetHistory_UnknownInstance_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GetOrchestrationHistoryAsync("nobody"));

        Assert.Contains("'nobody'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetHistory_NullEmptyOrEntityId_ThrowsArgumentExceptions()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.GetOrchestrationHistoryAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GetOrchestrationHistoryAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GetOrchestrationHistoryAsync("@e@k"));
    }

    [Fact]
    public async Task GetHistory_PendingInstance_IsEmpty()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Pending);

        Assert.Empty(await harness.Client.GetOrchestrationHistoryAsync("order-1"));
    }

    [Fact]
    public async Task GetHistory_EveryEventKind_MapsToDurableTaskCoreHistoryInOrder()
    {
        await using var harness = new ClientHarness();
        var t = harness.Time.GetUtcNow();
        var fireAt = t.AddMinutes(5);
        var inner = new FailureDetails("System.TimeoutException", "slow");
        var failure = new FailureDetails("App.Error", "boom", "at X()", inner) { IsNonRetriable = true };
        await harness.Client.ScheduleNewOrchestrationInstanceAsync(
            "Order", "in", new StartOrchestrationOptions("order-1") { Tags = new Dictionary<string, string> { ["k"] = "v" } });
        var state = await harness.Store.GetInstanceAsync("order-1", false, CancellationToken.None);
        HistoryEvent[] events =
        [
            new OrchestratorStartedEvent { Timestamp = t },
            new ExecutionStartedEvent
            {
                Timestamp = t, Name = "Order", Version = "1", Input = "\"in\"", ExecutionId = state!.ExecutionId,
                Tags = new Dictionary<string, string> { ["k"] = "v" }, ScheduledStartAt = fireAt,
                Parent = new ParentInstance("Root", "root-1", "root-exec", 7), TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            },
            new TaskScheduledEvent { Timestamp = t, EventId = 0, Name = "Charge", Version = "2", Input = "5" },
            new TaskCompletedEvent { Timestamp = t, TaskScheduledId = 0, Result = "\"ok\"" },
            new TaskFailedEvent { Timestamp = t, TaskScheduledId = 0, Failure = failure },
            new SubOrchestrationCreatedEvent { Timestamp = t, EventId = 1, Name = "Ship", Version = "3", InstanceId = "ship-1", Input = "{}" },
            new SubOrchestrationCompletedEvent { Timestamp = t, TaskScheduledId = 1, Result = "1" },
            new SubOrchestrationFailedEvent { Timestamp = t, TaskScheduledId = 1, Failure = failure },
            new TimerCreatedEvent { Timestamp = t, EventId = 2, FireAt = fireAt },
            new TimerFiredEvent { Timestamp = t, TimerId = 2, FireAt = fireAt },
            new EventRaisedEvent { Timestamp = t, Name = "Approved", Input = "true" },
            new EventSentEvent { Timestamp = t, EventId = 3, InstanceId = "other", Name = "Ping", Input = "0" },
            new ExecutionSuspendedEvent { Timestamp = t, Reason = "pause" },
            new ExecutionResumedEvent { Timestamp = t, Reason = "go" },
            new ExecutionTerminatedEvent { Timestamp = t, Output = "\"stop\"" },
            new ExecutionCompletedEvent { Timestamp = t, Status = OrchestrationStatus.Failed, Result = "null", Failure = failure },
        ];
        await harness.StepAsync("order-1", OrchestrationStatus.Failed, events: events);

        var history = await harness.Client.GetOrchestrationHistoryAsync("order-1");

        Assert.Equal(events.Length, history.Count);
        Assert.All(history, e => Assert.Equal(t.UtcDateTime, e.Timestamp));
        Assert.IsType<DtfHistory.OrchestratorStartedEvent>(history[0]);
        var started = Assert.IsType<DtfHistory.ExecutionStartedEvent>(history[1]);
        Assert.Equal("Order", started.Name);
        Assert.Equal("1", started.Version);
        Assert.Equal("\"in\"", started.Input);
        Assert.Equal("order-1", started.OrchestrationInstance.InstanceId);
        Assert.Equal(state.ExecutionId, started.OrchestrationInstance.ExecutionId);
        Assert.Equal("v", started.Tags["k"]);
        Assert.Equal(fireAt.UtcDateTime, started.ScheduledStartTime);
        Assert.Equal("root-1", started.ParentInstance.OrchestrationInstance.InstanceId);
        Assert.Equal("root-exec", started.ParentInstance.OrchestrationInstance.ExecutionId);
        Assert.Equal("Root", started.ParentInstance.Name);
        Assert.Equal(7, started.ParentInstance.TaskScheduleId);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", started.ParentTraceContext.TraceParent);
        var scheduled = Assert.IsType<DtfHistory.TaskScheduledEvent>(history[2]);
        Assert.Equal((0, "Charge", "2", "5"), (scheduled.EventId, scheduled.Name, scheduled.Version, scheduled.Input));
        var completed = Assert.IsType<DtfHistory.TaskCompletedEvent>(history[3]);
        Assert.Equal((0, "\"ok\""), (completed.TaskScheduledId, completed.Result));
        var taskFailed = Assert.IsType<DtfHistory.TaskFailedEvent>(history[4]);
        Assert.Equal(0, taskFailed.TaskScheduledId);
        Assert.Equal("boom", taskFailed.Reason);
        AssertFailure(taskFailed.FailureDetails);
        var created = Assert.IsType<DtfHistory.SubOrchestrationInstanceCreatedEvent>(history[5]);
        Assert.Equal((1, "Ship", "3", "ship-1", "{}"), (created.EventId, created.Name, created.Version, created.InstanceId, created.Input));
        var subCompleted = Assert.IsType<DtfHistory.SubOrchestrationInstanceCompletedEvent>(history[6]);
        Assert.Equal((1, "1"), (subCompleted.TaskScheduledId, subCompleted.Result));
        var subFailed = Assert.IsType<DtfHistory.SubOrchestrationInstanceFailedEvent>(history[7]);
        Assert.Equal(1, subFailed.TaskScheduledId);
        AssertFailure(subFailed.FailureDetails);
        var timer = Assert.IsType<DtfHistory.TimerCreatedEvent>(history[8]);
        Assert.Equal((2, fireAt.UtcDateTime), (timer.EventId, timer.FireAt));
        var fired = Assert.IsType<DtfHistory.TimerFiredEvent>(history[9]);
        Assert.Equal((2, fireAt.UtcDateTime), (fired.TimerId, fired.FireAt));
        var raised = Assert.IsType<DtfHistory.EventRaisedEvent>(history[10]);
        Assert.Equal(("Approved", "true"), (raised.Name, raised.Input));
        var sent = Assert.IsType<DtfHistory.EventSentEvent>(history[11]);
        Assert.Equal((3, "other", "Ping", "0"), (sent.EventId, sent.InstanceId, sent.Name, sent.Input));
        Assert.Equal("pause", Assert.IsType<DtfHistory.ExecutionSuspendedEvent>(history[12]).Reason);
        Assert.Equal("go", Assert.IsType<DtfHistory.ExecutionResumedEvent>(history[13]).Reason);
        Assert.Equal("\"stop\"", Assert.IsType<DtfHistory.ExecutionTerminatedEvent>(history[14]).Input);
        var finished = Assert.IsType<DtfHistory.ExecutionCompletedEvent>(history[15]);
        Assert.Equal(Dtf.OrchestrationStatus.Failed, finished.OrchestrationStatus);
        Assert.Equal("null", finished.Result);
        AssertFailure(finished.FailureDetails);
    }

    private static void AssertFailure(Dtf.FailureDetails? details)
    {
        Assert.NotNull(details);
        Assert.Equal("App.Error", details.ErrorType);
        Assert.Equal("boom", details.ErrorMessage);
        Assert.Equal("at X()", details.StackTrace);
        Assert.True(details.IsNonRetriable);
        Assert.Equal("System.TimeoutException", details.InnerFailure!.ErrorType);
        Assert.Equal("slow", details.InnerFailure.ErrorMessage);
    }
}
