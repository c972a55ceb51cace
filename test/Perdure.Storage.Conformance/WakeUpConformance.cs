using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>Event-driven wake-ups: work signals, the next due time, and waiting for an instance.</summary>
public abstract class WakeUpConformance : StoreConformanceBase
{
    [Fact]
    public async Task WhenWorkAvailable_Orchestration_CompletesAfterCreateInstance()
    {
        var signal = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await CreateInstanceAsync("order-1");

        await signal.WaitAsync(SignalTimeout);
        Assert.NotNull(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
    }

    [Fact]
    public async Task WhenWorkAvailable_Orchestration_CompletesAfterSendMessage()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Running);
        var signal = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await Store.SendMessageAsync(EventMessage("order-1", "approve"), Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.NotNull(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
    }

    [Fact]
    public async Task WhenWorkAvailable_Orchestration_CompletesAfterCheckpointSendsAMessage()
    {
        await CreateInstanceAsync("sender");
        var workItem = await ClaimAsync();
        await CreateInstanceAsync("receiver");
        await SetStatusAsync("receiver", OrchestrationStatus.Running);
        var signal = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { Messages = [EventMessage("receiver", "ping")] }, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal("receiver", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Orchestration_CompletesAfterCheckpointLeavesAMessageUnconsumed()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        await Store.SendMessageAsync(EventMessage("order-1", "approve"), Ct);
        var signal = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem), Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal("order-1", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Activity_CompletesAfterCheckpointSchedulesAnActivity()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        var signal = Store.WhenWorkAvailable(WorkItemKind.Activity);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { ActivityTasks = [ActivityCall(workItem, 1)] }, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.NotNull(await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct));
    }

    [Fact]
    public async Task WhenWorkAvailable_Orchestration_CompletesAfterActivityCompletes()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { ActivityTasks = [ActivityCall(workItem, 1)] }, Ct);
        var activity = await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct);
        Assert.NotNull(activity);
        var signal = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await Store.CompleteActivityAsync(activity, new TaskCompletedEvent { TaskScheduledId = 1 }, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal("order-1", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Orchestration_CompletesAfterAbandonWithoutBackOff()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        var signal = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await Store.AbandonOrchestrationAsync(workItem, TimeSpan.Zero, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal("order-1", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Activity_CompletesAfterAbandonWithoutBackOff()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { ActivityTasks = [ActivityCall(workItem, 1)] }, Ct);
        var activity = await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct);
        Assert.NotNull(activity);
        var signal = Store.WhenWorkAvailable(WorkItemKind.Activity);

        await Store.AbandonActivityAsync(activity, TimeSpan.Zero, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.NotNull(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
    }

    [Theory]
    [InlineData(WorkItemKind.Orchestration)]
    [InlineData(WorkItemKind.Activity)]
    public async Task GetNextWorkDue_NothingWaits_ReturnsNull(WorkItemKind kind)
    {
        Assert.Null(await Store.GetNextWorkDueAsync(kind, Ct));
    }

    [Fact]
    public async Task GetNextWorkDue_SeveralDelayedMessages_ReturnsTheEarliest()
    {
        await CreateInStatusAsync("a", OrchestrationStatus.Running);
        await CreateInStatusAsync("b", OrchestrationStatus.Running);

        await Store.SendMessageAsync(EventMessage("a", "late", visibleAt: Epoch.AddMinutes(10)), Ct);
        await Store.SendMessageAsync(EventMessage("b", "early", visibleAt: Epoch.AddMinutes(5)), Ct);
        await Store.SendMessageAsync(EventMessage("a", "middle", visibleAt: Epoch.AddMinutes(7)), Ct);

        Assert.Equal(Epoch.AddMinutes(5), await Store.GetNextWorkDueAsync(WorkItemKind.Orchestration, Ct));
        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Activity, Ct));
    }

    [Fact]
    public async Task GetNextWorkDue_DelayedWorkConsumed_ReturnsNull()
    {
        await Store.CreateInstanceAsync(NewInstanceRequest("order-1", scheduledStartAt: Epoch.AddMinutes(1)), Ct);
        Time.Advance(TimeSpan.FromMinutes(1));
        var workItem = await ClaimAsync();

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem, OrchestrationStatus.Completed), Ct);

        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Orchestration, Ct));
    }

    [Fact]
    public async Task GetNextWorkDue_ActivityBackOffConsumed_ReturnsNull()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { ActivityTasks = [ActivityCall(workItem, 1)] }, Ct);
        var first = await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct);
        Assert.NotNull(first);
        await Store.AbandonActivityAsync(first, TimeSpan.FromSeconds(5), Ct);
        Time.Advance(TimeSpan.FromSeconds(5));
        var second = await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct);
        Assert.NotNull(second);

        await Store.CompleteActivityAsync(second, new TaskCompletedEvent { TaskScheduledId = 1 }, Ct);

        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Activity, Ct));
    }

    [Fact]
    public async Task WaitForInstance_ConditionAlreadyTrue_ReturnsAtOnce()
    {
        await CreateInstanceAsync("order-1", "\"input\"");

        var state = await Store.WaitForInstanceAsync("order-1", s => s is not null, includePayloads: true, Ct).WaitAsync(SignalTimeout);

        Assert.NotNull(state);
        Assert.Equal(OrchestrationStatus.Pending, state.Status);
        Assert.Equal("\"input\"", state.Input);
    }

    [Fact]
    public async Task WaitForInstance_UnknownInstance_ConditionSeesNull()
    {
        var state = await Store.WaitForInstanceAsync("missing", s => s is null, includePayloads: false, Ct).WaitAsync(SignalTimeout);

        Assert.Null(state);
    }

    [Fact]
    public async Task WaitForInstance_ConditionBecomesTrueAfterCheckpoint_CompletesWithThatState()
    {
        await CreateInstanceAsync("order-1");
        var wait = Store.WaitForInstanceAsync("order-1", s => s?.Status.IsTerminal() == true, includePayloads: true, Ct);
        var workItem = await ClaimAsync();

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem, OrchestrationStatus.Completed), Ct);

        var state = await wait.WaitAsync(SignalTimeout);
        Assert.NotNull(state);
        Assert.Equal(OrchestrationStatus.Completed, state.Status);
        Assert.Equal("\"done\"", state.Output);
    }

    [Fact]
    public async Task WaitForInstance_WithoutPayloads_ReturnsStateWithoutPayloads()
    {
        await CreateInstanceAsync("order-1", "\"input\"");
        var wait = Store.WaitForInstanceAsync("order-1", s => s?.Status == OrchestrationStatus.Completed, includePayloads: false, Ct);
        var workItem = await ClaimAsync();

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem, OrchestrationStatus.Completed), Ct);

        var state = await wait.WaitAsync(SignalTimeout);
        Assert.NotNull(state);
        Assert.Equal(OrchestrationStatus.Completed, state.Status);
        Assert.Null(state.Input);
        Assert.Null(state.Output);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task WaitForInstance_WokenByACheckpoint_ReturnsExactlyTheRowARead(bool includePayloads)
    {
        // Stores may hand a waiter the row a checkpoint wrote instead of reading it; it must be the row a read returns.
        var request = NewInstanceRequest("order-1", input: "\"input\"");
        await Store.CreateInstanceAsync(request with
        {
            Started = request.Started with { Tags = new Dictionary<string, string> { ["team"] = "billing" } },
        }, Ct);
        // The checkpoint comes after the waiter's first look, so the waiter learns of it through the signal.
        var looked = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var wait = Store.WaitForInstanceAsync("order-1", s =>
        {
            looked.TrySetResult();
            return s?.Status == OrchestrationStatus.Failed;
        }, includePayloads, Ct);
        await looked.Task.WaitAsync(SignalTimeout);
        var workItem = await ClaimAsync();
        Time.Advance(TimeSpan.FromSeconds(3));
        var failure = new FailureDetails("System.InvalidOperationException", "boom", "at Checkout()", new FailureDetails("System.IO.IOException", "disk"));
        var checkpoint = CheckpointOf(workItem, OrchestrationStatus.Failed);

        await Store.CompleteOrchestrationAsync(workItem, checkpoint with
        {
            Instance = checkpoint.Instance with { Failure = failure, CustomStatus = "\"stuck\"" },
        }, Ct);

        var woken = await wait.WaitAsync(SignalTimeout);
        var read = await Store.GetInstanceAsync("order-1", includePayloads, Ct);
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(read), System.Text.Json.JsonSerializer.Serialize(woken));
        Assert.Equal(includePayloads ? "\"stuck\"" : null, woken!.CustomStatus);
        Assert.Equal(Epoch + TimeSpan.FromSeconds(3), woken.LastUpdatedAt);
    }

    [Fact]
    public async Task WaitForInstance_InstanceCreatedLater_CompletesWhenItExists()
    {
        var wait = Store.WaitForInstanceAsync("order-1", s => s is not null, includePayloads: false, Ct);

        await CreateInstanceAsync("order-1");

        var state = await wait.WaitAsync(SignalTimeout);
        Assert.NotNull(state);
        Assert.Equal(OrchestrationStatus.Pending, state.Status);
    }

    [Fact]
    public async Task WaitForInstance_Cancelled_ThrowsOperationCanceled()
    {
        await CreateInstanceAsync("order-1");
        using var cts = new CancellationTokenSource();
        var wait = Store.WaitForInstanceAsync("order-1", s => s?.Status == OrchestrationStatus.Completed, includePayloads: false, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(SignalTimeout));
        Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync("order-1")).Status);
    }

    [Fact]
    public async Task WaitForInstance_ConditionFalseAfterCheckpoint_KeepsWaiting()
    {
        await CreateInstanceAsync("order-1");
        var wait = Store.WaitForInstanceAsync("order-1", s => s?.Status == OrchestrationStatus.Completed, includePayloads: false, Ct);
        var first = await ClaimAsync();
        await Store.CompleteOrchestrationAsync(first, CheckpointOf(first), Ct);
        Assert.False(wait.IsCompleted);

        await Store.SendMessageAsync(EventMessage("order-1", "finish"), Ct);
        var second = await ClaimAsync();
        await Store.CompleteOrchestrationAsync(second, CheckpointOf(second, OrchestrationStatus.Completed), Ct);

        Assert.Equal(OrchestrationStatus.Completed, (await wait.WaitAsync(SignalTimeout))!.Status);
    }
}
