using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>Claiming, renewing, completing and abandoning activity tasks.</summary>
public abstract class ActivityWorkItemConformance : StoreConformanceBase
{
    /// <summary>Creates <paramref name="instanceId"/> and commits its first step, which schedules one activity per name.</summary>
    protected async Task<OrchestrationWorkItem> ScheduleActivitiesAsync(string instanceId, params string[] names)
    {
        ArgumentNullException.ThrowIfNull(names);
        await CreateInstanceAsync(instanceId);
        var workItem = await ClaimInstanceAsync(instanceId);
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            ActivityTasks = [.. names.Select((name, i) => ActivityCall(workItem, i + 1, name, $"\"{name}-input\""))],
        }, Ct);
        return workItem;
    }

    private async Task<ActivityWorkItem> ClaimActivityAsync(string lockedBy = "worker-1")
    {
        var workItem = await Store.ClaimActivityAsync(lockedBy, LeaseDuration, Ct);
        Assert.NotNull(workItem);
        return workItem;
    }

    [Fact]
    public async Task ClaimActivity_NoTasks_ReturnsNull()
    {
        await CreateInstanceAsync("order-1");

        Assert.Null(await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct));
    }

    [Fact]
    public async Task ClaimActivities_MoreWaitingThanAskedFor_ClaimsExactlyMaxCountDistinctTasks()
    {
        await ScheduleActivitiesAsync("order-1", "A", "B", "C", "D");

        var first = await Store.ClaimActivitiesAsync("worker-1", LeaseDuration, 3, Ct);
        var rest = await Store.ClaimActivitiesAsync("worker-2", LeaseDuration, 10, Ct);

        Assert.Equal(3, first.Count);
        Assert.Single(rest);
        Assert.Equal(["A", "B", "C", "D"], first.Concat(rest).Select(w => w.Scheduled.Name).Order(StringComparer.Ordinal));
        Assert.Equal(4, first.Concat(rest).Select(w => w.TaskId).Distinct().Count());
        Assert.All(first, w => Assert.Equal(new Lease("worker-1", Epoch + LeaseDuration), w.Lease));
    }

    [Fact]
    public async Task ClaimActivities_MaxCountBelowOne_Throws()
    {
        await ScheduleActivitiesAsync("order-1", "A");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ClaimActivitiesAsync("worker-1", LeaseDuration, 0, Ct));

        Assert.Equal("A", (await ClaimActivityAsync()).Scheduled.Name);
    }

    [Fact]
    public async Task ClaimActivity_TaskWaiting_ReturnsTheCallWithALease()
    {
        var orchestration = await ScheduleActivitiesAsync("order-1", "Charge");

        var workItem = await ClaimActivityAsync("worker-9");

        Assert.Equal("order-1", workItem.InstanceId);
        Assert.Equal(orchestration.Instance.ExecutionId, workItem.ExecutionId);
        Assert.Equal("Charge", workItem.Scheduled.Name);
        Assert.Equal("\"Charge-input\"", workItem.Scheduled.Input);
        Assert.Equal(1, workItem.Scheduled.EventId);
        Assert.Equal(new Lease("worker-9", Epoch + LeaseDuration), workItem.Lease);
    }

    [Fact]
    public async Task ClaimActivity_LiveLease_NotClaimableByAnotherWorker()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        await ClaimActivityAsync("worker-1");
        Time.Advance(LeaseDuration - TimeSpan.FromSeconds(1));

        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
    }

    [Fact]
    public async Task ClaimActivity_LeaseExpired_AnotherWorkerTakesOver()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        var first = await ClaimActivityAsync("worker-1");
        Time.Advance(LeaseDuration);

        var second = await ClaimActivityAsync("worker-2");

        Assert.Equal(first.TaskId, second.TaskId);
        Assert.Equal("worker-2", second.Lease.LockedBy);
    }

    [Fact]
    public async Task ClaimActivity_ConcurrentClaims_OnlyOneWins()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(
            i => Task.Run(() => Store.ClaimActivityAsync($"worker-{i}", LeaseDuration, Ct))));

        Assert.Equal("Charge", Assert.Single(claims, c => c is not null)!.Scheduled.Name);
    }

    [Fact]
    public async Task CompleteActivity_TaskCompleted_DeletesTaskAndDeliversResultToTheExecution()
    {
        var orchestration = await ScheduleActivitiesAsync("order-1", "Charge");
        var workItem = await ClaimActivityAsync();

        await Store.CompleteActivityAsync(workItem, new TaskCompletedEvent { TaskScheduledId = 1, Result = "\"ok\"", Timestamp = Epoch }, Ct);

        Time.Advance(LeaseDuration + LeaseDuration);
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        var next = await ClaimAsync();
        Assert.Equal("order-1", next.InstanceId);
        var message = Assert.Single(next.Messages);
        Assert.Equal(orchestration.Instance.ExecutionId, message.ExecutionId);
        var completed = Assert.IsType<TaskCompletedEvent>(message.Event);
        Assert.Equal(1, completed.TaskScheduledId);
        Assert.Equal("\"ok\"", completed.Result);
    }

    [Fact]
    public async Task CompleteActivity_TaskFailed_DeliversFailureToTheExecution()
    {
        var orchestration = await ScheduleActivitiesAsync("order-1", "Charge");
        var workItem = await ClaimActivityAsync();
        var failure = new FailureDetails("System.InvalidOperationException", "card declined");

        await Store.CompleteActivityAsync(workItem, new TaskFailedEvent { TaskScheduledId = 1, Failure = failure, Timestamp = Epoch }, Ct);

        var message = Assert.Single((await ClaimAsync()).Messages);
        Assert.Equal(orchestration.Instance.ExecutionId, message.ExecutionId);
        Assert.Equal(failure, Assert.IsType<TaskFailedEvent>(message.Event).Failure);
    }

    [Fact]
    public async Task CompleteActivity_LeaseTakenOver_ThrowsLockLostAndWritesNothing()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        var stale = await ClaimActivityAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await ClaimActivityAsync("worker-2");

        await Assert.ThrowsAsync<WorkItemLockLostException>(
            () => Store.CompleteActivityAsync(stale, new TaskCompletedEvent { TaskScheduledId = 1, Result = "\"stale\"" }, Ct));

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-3", LeaseDuration, Ct));
        await Store.CompleteActivityAsync(current, new TaskCompletedEvent { TaskScheduledId = 1, Result = "\"current\"" }, Ct);
        var message = Assert.Single((await ClaimAsync()).Messages);
        Assert.Equal("\"current\"", Assert.IsType<TaskCompletedEvent>(message.Event).Result);
    }

    [Fact]
    public async Task CompleteActivity_SameWorkerReclaimedAfterExpiry_OldWorkItemThrowsLockLost()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        var stale = await ClaimActivityAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await ClaimActivityAsync("worker-1");

        await Assert.ThrowsAsync<WorkItemLockLostException>(
            () => Store.CompleteActivityAsync(stale, new TaskCompletedEvent { TaskScheduledId = 1, Result = "\"stale\"" }, Ct));

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
        await Store.CompleteActivityAsync(current, new TaskCompletedEvent { TaskScheduledId = 1, Result = "\"current\"" }, Ct);
        Assert.Equal("\"current\"", Assert.IsType<TaskCompletedEvent>(Assert.Single((await ClaimAsync()).Messages).Event).Result);
    }

    [Fact]
    public async Task RenewActivityLease_Live_ExtendsTheLease()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        var workItem = await ClaimActivityAsync("worker-1");
        Time.Advance(TimeSpan.FromSeconds(50));

        await Store.RenewActivityLeaseAsync(workItem, LeaseDuration, Ct);

        Assert.Equal(new Lease("worker-1", Epoch.AddSeconds(50) + LeaseDuration), workItem.Lease);
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        await Store.CompleteActivityAsync(workItem, new TaskCompletedEvent { TaskScheduledId = 1 }, Ct);
        Assert.IsType<TaskCompletedEvent>(Assert.Single((await ClaimAsync()).Messages).Event);
    }

    [Fact]
    public async Task RenewActivityLease_LeaseTakenOver_ThrowsLockLost()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        var stale = await ClaimActivityAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await ClaimActivityAsync("worker-2");

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.RenewActivityLeaseAsync(stale, LeaseDuration, Ct));

        Time.Advance(LeaseDuration - TimeSpan.FromSeconds(1));
        Assert.Null(await Store.ClaimActivityAsync("worker-3", LeaseDuration, Ct));
        await Store.CompleteActivityAsync(current, new TaskCompletedEvent { TaskScheduledId = 1 }, Ct);
    }

    [Fact]
    public async Task AbandonActivity_NoBackOff_ClaimableAgain()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        var first = await ClaimActivityAsync("worker-1");

        await Store.AbandonActivityAsync(first, TimeSpan.Zero, Ct);

        var second = await ClaimActivityAsync("worker-2");
        Assert.Equal(first.TaskId, second.TaskId);
        Assert.Equal("Charge", second.Scheduled.Name);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-3", LeaseDuration, Ct));
    }

    [Fact]
    public async Task AbandonActivity_WithBackOff_HiddenUntilRetryTime()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        var first = await ClaimActivityAsync("worker-1");

        await Store.AbandonActivityAsync(first, TimeSpan.FromSeconds(20), Ct);

        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        Assert.Equal(Epoch.AddSeconds(20), await Store.GetNextWorkDueAsync(WorkItemKind.Activity, Ct));
        Time.Advance(TimeSpan.FromSeconds(19));
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(first.TaskId, (await ClaimActivityAsync("worker-2")).TaskId);
    }

    [Fact]
    public async Task AbandonActivity_LeaseTakenOver_ThrowsLockLostAndKeepsTheNewLease()
    {
        await ScheduleActivitiesAsync("order-1", "Charge");
        var stale = await ClaimActivityAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await ClaimActivityAsync("worker-2");

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.AbandonActivityAsync(stale, TimeSpan.Zero, Ct));

        Assert.Null(await Store.ClaimActivityAsync("worker-3", LeaseDuration, Ct));
        await Store.CompleteActivityAsync(current, new TaskCompletedEvent { TaskScheduledId = 1 }, Ct);
    }

    [Fact]
    public async Task ClaimActivity_SeveralTasks_EachClaimedOnce()
    {
        await ScheduleActivitiesAsync("order-1", "A", "B", "C");

        var names = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            names.Add((await ClaimActivityAsync($"worker-{i}")).Scheduled.Name);
        }

        Assert.Equal(["A", "B", "C"], names.Order(StringComparer.Ordinal));
        Assert.Null(await Store.ClaimActivityAsync("worker-x", LeaseDuration, Ct));
    }

    /// <summary>Creates <paramref name="instanceId"/> and claims it; its first step calls one activity per name.</summary>
    private async Task<(OrchestrationWorkItem WorkItem, OrchestrationCheckpoint Checkpoint)> StepCallingAsync(string instanceId, params string[] names)
    {
        await CreateInstanceAsync(instanceId);
        var workItem = await ClaimInstanceAsync(instanceId);
        return (workItem, CheckpointOf(workItem) with
        {
            ActivityTasks = [.. names.Select((name, i) => ActivityCall(workItem, i + 1, name, $"\"{name}-input\""))],
        });
    }

    [Fact]
    public async Task Checkpoint_LeasingTheFirstCalls_ReturnsThemLeasedToTheStepsWorkerAndLeavesTheRestToAnyone()
    {
        var (workItem, checkpoint) = await StepCallingAsync("order-1", "A", "B", "C");
        var duration = TimeSpan.FromMinutes(5);

        var leased = await Store.CompleteOrchestrationAsync(workItem, checkpoint with { LeaseActivities = new(2, duration) }, Ct);

        Assert.Equal(["A", "B"], leased.Select(w => w.Scheduled.Name));
        Assert.Equal([1, 2], leased.Select(w => w.Scheduled.EventId));
        Assert.Equal("\"A-input\"", leased[0].Scheduled.Input);
        Assert.All(leased, w => Assert.Equal(new Lease(workItem.Lease.LockedBy, Epoch + duration), w.Lease));
        Assert.All(leased, w => Assert.Equal(("order-1", workItem.Instance.ExecutionId), (w.InstanceId, w.ExecutionId)));
        Assert.NotEqual(leased[0].TaskId, leased[1].TaskId);
        var others = await Store.ClaimActivitiesAsync("worker-2", LeaseDuration, 10, Ct);
        Assert.Equal("C", Assert.Single(others).Scheduled.Name);
        Assert.DoesNotContain(others[0].TaskId, leased.Select(w => w.TaskId));
    }

    [Fact]
    public async Task Checkpoint_LeasingNone_ReturnsNothingAndEveryCallIsClaimable()
    {
        var (workItem, checkpoint) = await StepCallingAsync("order-1", "A", "B");

        var leased = await Store.CompleteOrchestrationAsync(workItem, checkpoint, Ct);

        Assert.Empty(leased);
        Assert.Equal(2, (await Store.ClaimActivitiesAsync("worker-2", LeaseDuration, 10, Ct)).Count);
    }

    [Fact]
    public async Task Checkpoint_LeasedCall_RenewsAndCompletesLikeAClaimedOne()
    {
        var (workItem, checkpoint) = await StepCallingAsync("order-1", "Charge");
        var leased = Assert.Single(await Store.CompleteOrchestrationAsync(workItem, checkpoint with { LeaseActivities = new(1, LeaseDuration) }, Ct));
        Time.Advance(TimeSpan.FromSeconds(30));

        await Store.RenewActivityLeaseAsync(leased, LeaseDuration, Ct);
        Time.Advance(TimeSpan.FromSeconds(45));
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        await Store.CompleteActivityAsync(leased, new TaskCompletedEvent { TaskScheduledId = 1, Result = "\"ok\"", Timestamp = Time.GetUtcNow() }, Ct);

        var next = await ClaimInstanceAsync("order-1");
        Assert.Equal("\"ok\"", Assert.IsType<TaskCompletedEvent>(Assert.Single(next.Messages).Event).Result);
        Time.Advance(LeaseDuration + LeaseDuration);
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
    }

    [Fact]
    public async Task Checkpoint_LeasedCallWhoseLeaseRanOut_IsTakenOverAndTheOldWorkItemLosesIt()
    {
        var (workItem, checkpoint) = await StepCallingAsync("order-1", "Charge");
        var leased = Assert.Single(await Store.CompleteOrchestrationAsync(workItem, checkpoint with { LeaseActivities = new(1, LeaseDuration) }, Ct));
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        Assert.Equal(Epoch + LeaseDuration, await Store.GetNextWorkDueAsync(WorkItemKind.Activity, Ct));

        Time.Advance(LeaseDuration);
        var taken = await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct);

        Assert.Equal(leased.TaskId, taken?.TaskId);
        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.CompleteActivityAsync(leased, new TaskCompletedEvent { TaskScheduledId = 1 }, Ct));
    }

    [Theory]
    [InlineData(0, 60)]
    [InlineData(3, 60)]
    [InlineData(1, 0)]
    public async Task Checkpoint_LeaseRequestItCannotKeep_ThrowsAndWritesNothing(int count, int seconds)
    {
        var (workItem, checkpoint) = await StepCallingAsync("order-1", "A", "B");

        var error = await Assert.ThrowsAsync<ArgumentException>(() =>
            Store.CompleteOrchestrationAsync(workItem, checkpoint with { LeaseActivities = new(count, TimeSpan.FromSeconds(seconds)) }, Ct));

        Assert.Contains("lease", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        Assert.Empty(await Store.GetHistoryAsync("order-1", Ct));
        Assert.Empty(await Store.CompleteOrchestrationAsync(workItem, checkpoint, Ct));
        Assert.Equal(2, (await Store.ClaimActivitiesAsync("worker-2", LeaseDuration, 10, Ct)).Count);
    }

    [Fact]
    public async Task Checkpoint_LeasingCallsAfterItsLeaseWasTakenOver_ThrowsAndWritesNoCall()
    {
        var (workItem, checkpoint) = await StepCallingAsync("order-1", "A", "B");
        Time.Advance(LeaseDuration);
        var other = await ClaimInstanceAsync("order-1");

        await Assert.ThrowsAsync<WorkItemLockLostException>(() =>
            Store.CompleteOrchestrationAsync(workItem, checkpoint with { LeaseActivities = new(2, LeaseDuration) }, Ct));

        Time.Advance(LeaseDuration + LeaseDuration);
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        Assert.Empty(await Store.GetHistoryAsync("order-1", Ct));
        Assert.Empty(await Store.CompleteOrchestrationAsync(other, CheckpointOf(other), Ct));
    }
}
