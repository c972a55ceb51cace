using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>
/// Completing an activity together with its orchestration's next step, run ahead on a worker's cached state: committed
/// only while the instance is exactly as the step assumed, otherwise the result takes the usual way through the inbox.
/// </summary>
public abstract class LocalStepConformance : StoreConformanceBase
{
    /// <summary>Creates the instance, commits a first step that calls activity "A", and claims that call.</summary>
    private async Task<ActivityWorkItem> RunUntilActivityClaimedAsync(string instanceId)
    {
        await CreateInstanceAsync(instanceId);
        var first = await ClaimInstanceAsync(instanceId);
        await Store.CompleteOrchestrationAsync(first, CheckpointOf(first) with
        {
            NewEvents = [.. CheckpointOf(first).NewEvents, Scheduled(1, "A")],
            ActivityTasks = [new ActivityTask(instanceId, first.Instance.ExecutionId, Scheduled(1, "A"))],
        }, Ct);
        var activity = await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct);
        Assert.NotNull(activity);
        return activity;
    }

    private TaskScheduledEvent Scheduled(int eventId, string name) =>
        new() { EventId = eventId, Name = name, Input = $"\"{name}-input\"", Timestamp = Time.GetUtcNow() };

    private TaskCompletedEvent Result(int scheduledId = 1) =>
        new() { TaskScheduledId = scheduledId, Result = "\"A-output\"", Timestamp = Time.GetUtcNow() };

    /// <summary>The step a worker caching the instance would run: apply the result of "A", then call "B".</summary>
    private async Task<LocalStep> NextStepAsync(string instanceId, string? customStatus = null)
    {
        var before = await GetRequiredAsync(instanceId);
        var historyLength = (await Store.GetHistoryAsync(instanceId, Ct)).Count;
        var now = Time.GetUtcNow();
        return new LocalStep(before, historyLength, new OrchestrationCheckpoint
        {
            ExecutionId = before.ExecutionId,
            NewEvents = [new OrchestratorStartedEvent { Timestamp = now }, Result(), Scheduled(2, "B")],
            Instance = before with { CustomStatus = customStatus },
            ActivityTasks = [new ActivityTask(instanceId, before.ExecutionId, Scheduled(2, "B"))],
        });
    }

    [Fact]
    public async Task InstanceAsTheStepAssumed_CommitsTheStepWithoutAnInboxMessage()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1", customStatus: "\"half way\"");

        Assert.True((await Store.CompleteActivityWithStepAsync(activity, Result(), step, Ct)).Committed);

        var history = await Store.GetHistoryAsync("order-1", Ct);
        Assert.Equal(step.HistoryLength + 3, history.Count);
        Assert.Equal(["A-output"], history.OfType<TaskCompletedEvent>().Select(e => e.Result!.Trim('"')));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
        var next = await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct);
        Assert.Equal("B", next?.Scheduled.Name);
        Assert.Null(await Store.ClaimActivityAsync("worker-3", LeaseDuration, Ct));
        var instance = await GetRequiredAsync("order-1");
        Assert.Equal(OrchestrationStatus.Running, instance.Status);
        Assert.Equal("\"half way\"", instance.CustomStatus);
    }

    [Fact]
    public async Task InstanceAsTheStepAssumed_LeasesTheStepsCallsToTheActivitysWorker()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");
        var duration = TimeSpan.FromMinutes(5);

        var result = await Store.CompleteActivityWithStepAsync(
            activity, Result(), step with { Checkpoint = step.Checkpoint with { LeaseActivities = new(1, duration) } }, Ct);

        Assert.True(result.Committed);
        var leased = Assert.Single(result.LeasedActivities);
        Assert.Equal(("B", 2), (leased.Scheduled.Name, leased.Scheduled.EventId));
        Assert.Equal(new Lease("worker-1", Time.GetUtcNow() + duration), leased.Lease);
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        await Store.CompleteActivityAsync(leased, new TaskCompletedEvent { TaskScheduledId = 2, Result = "\"B-output\"" }, Ct);
        var next = await ClaimInstanceAsync("order-1");
        Assert.Equal("\"B-output\"", Assert.IsType<TaskCompletedEvent>(Assert.Single(next.Messages).Event).Result);
    }

    [Fact]
    public async Task LeaseRequestForMoreCallsThanTheStepMakes_ThrowsAndWritesNothing()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");

        await Assert.ThrowsAsync<ArgumentException>(() => Store.CompleteActivityWithStepAsync(
            activity, Result(), step with { Checkpoint = step.Checkpoint with { LeaseActivities = new(2, LeaseDuration) } }, Ct));

        Assert.Equal(step.HistoryLength, (await Store.GetHistoryAsync("order-1", Ct)).Count);
        Assert.True((await Store.CompleteActivityWithStepAsync(activity, Result(), step, Ct)).Committed);
    }

    [Fact]
    public async Task StepNotCommitted_LeasesNothingAndWritesNoneOfItsCalls()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");
        await Store.SendMessageAsync(EventMessage("order-1", "Approval"), Ct);

        var result = await Store.CompleteActivityWithStepAsync(
            activity, Result(), step with { Checkpoint = step.Checkpoint with { LeaseActivities = new(1, LeaseDuration) } }, Ct);

        Assert.False(result.Committed);
        Assert.Empty(result.LeasedActivities);
        Time.Advance(LeaseDuration + LeaseDuration);
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
    }

    [Fact]
    public async Task InstanceLeasedByAnotherWorker_DeliversTheResultToTheInboxAndDropsTheStep()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");
        await Store.SendMessageAsync(EventMessage("order-1", "Approval"), Ct);
        var claimed = await ClaimInstanceAsync("order-1");

        Assert.False((await Store.CompleteActivityWithStepAsync(activity, Result(), step, Ct)).Committed);

        Assert.Equal(step.HistoryLength, (await Store.GetHistoryAsync("order-1", Ct)).Count);
        await Store.AbandonOrchestrationAsync(claimed, TimeSpan.Zero, Ct);
        var again = await ClaimInstanceAsync("order-1");
        Assert.Collection(
            again.Messages,
            m => Assert.IsType<EventRaisedEvent>(m.Event),
            m => Assert.Equal("\"A-output\"", Assert.IsType<TaskCompletedEvent>(m.Event).Result));
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
    }

    [Fact]
    public async Task VisibleMessageWaiting_KeepsArrivalOrderByTakingTheInbox()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");
        await Store.SendMessageAsync(EventMessage("order-1", "Approval"), Ct);

        Assert.False((await Store.CompleteActivityWithStepAsync(activity, Result(), step, Ct)).Committed);

        var next = await ClaimInstanceAsync("order-1");
        Assert.Equal([HistoryEventType.EventRaised, HistoryEventType.TaskCompleted], next.Messages.Select(m => m.Event.EventType));
    }

    [Fact]
    public async Task OnlyADelayedMessageWaiting_CommitsTheStep()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");
        await Store.SendMessageAsync(EventMessage("order-1", "Later", visibleAt: Time.GetUtcNow() + TimeSpan.FromMinutes(5)), Ct);

        Assert.True((await Store.CompleteActivityWithStepAsync(activity, Result(), step, Ct)).Committed);

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
        Time.Advance(TimeSpan.FromMinutes(5));
        var later = await ClaimInstanceAsync("order-1");
        Assert.Equal("Later", Assert.IsType<EventRaisedEvent>(Assert.Single(later.Messages).Event).Name);
    }

    [Fact]
    public async Task HistoryMovedOnSinceTheCachedState_DeliversTheResultToTheInbox()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var stale = await NextStepAsync("order-1");
        await Store.SendMessageAsync(EventMessage("order-1", "Approval"), Ct);
        await SetStatusAsync("order-1", OrchestrationStatus.Running);
        var historyLength = (await Store.GetHistoryAsync("order-1", Ct)).Count;

        Assert.False((await Store.CompleteActivityWithStepAsync(activity, Result(), stale, Ct)).Committed);

        Assert.Equal(historyLength, (await Store.GetHistoryAsync("order-1", Ct)).Count);
        var next = await ClaimInstanceAsync("order-1");
        Assert.IsType<TaskCompletedEvent>(Assert.Single(next.Messages).Event);
    }

    [Fact]
    public async Task InstanceSuspended_TheResultWaitsInTheInbox()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        await Store.SendMessageAsync(new InstanceMessage { InstanceId = "order-1", Event = new ExecutionSuspendedEvent() }, Ct);
        await SetStatusAsync("order-1", OrchestrationStatus.Suspended);
        var step = await NextStepAsync("order-1");

        Assert.False((await Store.CompleteActivityWithStepAsync(activity, Result(), step, Ct)).Committed);

        Assert.Equal(OrchestrationStatus.Suspended, (await GetRequiredAsync("order-1")).Status);
        Assert.Equal(step.HistoryLength, (await Store.GetHistoryAsync("order-1", Ct)).Count);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
    }

    [Fact]
    public async Task ActivityLeaseLost_ThrowsAndWritesNothing()
    {
        var stale = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct);
        Assert.NotNull(current);

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.CompleteActivityWithStepAsync(stale, Result(), step, Ct));

        Assert.Equal(step.HistoryLength, (await Store.GetHistoryAsync("order-1", Ct)).Count);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-3", LeaseDuration, Ct));
        Assert.True((await Store.CompleteActivityWithStepAsync(current, Result(), step, Ct)).Committed);
    }

    [Fact]
    public async Task StepOfAnotherExecution_IsRefusedAndWritesNothing()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");
        var other = step with { Instance = step.Instance with { ExecutionId = NewExecutionId() } };

        var error = await Assert.ThrowsAsync<ArgumentException>(() => Store.CompleteActivityWithStepAsync(activity, Result(), other, Ct));

        Assert.Contains("order-1", error.Message, StringComparison.Ordinal);
        Assert.True((await Store.CompleteActivityWithStepAsync(activity, Result(), step, Ct)).Committed);
    }

    [Fact]
    public async Task StepThatConsumesStoredMessages_IsRefused()
    {
        var activity = await RunUntilActivityClaimedAsync("order-1");
        var step = await NextStepAsync("order-1");
        var consuming = step with { Checkpoint = step.Checkpoint with { ConsumedMessageIds = [42] } };

        await Assert.ThrowsAsync<ArgumentException>(() => Store.CompleteActivityWithStepAsync(activity, Result(), consuming, Ct));

        Assert.Equal(step.HistoryLength, (await Store.GetHistoryAsync("order-1", Ct)).Count);
    }
}
