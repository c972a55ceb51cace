using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>The entity messages of orchestration steps: written in the step's transaction, or not at all.</summary>
public abstract partial class EntityConformance
{
    /// <summary>Creates the instance, commits a first step that calls activity "A", and claims that call.</summary>
    private async Task<ActivityWorkItem> RunUntilActivityClaimedAsync(string instanceId)
    {
        await CreateInstanceAsync(instanceId);
        var first = await ClaimInstanceAsync(instanceId);
        var scheduled = new TaskScheduledEvent { EventId = 1, Name = "A", Timestamp = Time.GetUtcNow() };
        await Store.CompleteOrchestrationAsync(first, CheckpointOf(first) with
        {
            NewEvents = [.. CheckpointOf(first).NewEvents, scheduled],
            ActivityTasks = [new ActivityTask(instanceId, first.Instance.ExecutionId, scheduled)],
        }, Ct);
        var activity = await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct);
        Assert.NotNull(activity);
        return activity;
    }

    /// <summary>The step a worker caching the instance would run on the result of "A": it signals <see cref="CounterA"/>.</summary>
    private async Task<LocalStep> SignallingStepAsync(string instanceId, EntityInboxMessage entityMessage)
    {
        var before = await GetRequiredAsync(instanceId);
        var historyLength = (await Store.GetHistoryAsync(instanceId, Ct)).Count;
        return new LocalStep(before, historyLength, new OrchestrationCheckpoint
        {
            ExecutionId = before.ExecutionId,
            NewEvents =
            [
                new OrchestratorStartedEvent { Timestamp = Time.GetUtcNow() },
                ActivityResult(),
                new EntityOperationSignaledEvent { EventId = 2, EntityId = entityMessage.EntityId, Operation = "add" },
            ],
            Instance = before,
            EntityMessages = [entityMessage],
        });
    }

    private static TaskCompletedEvent ActivityResult() => new() { TaskScheduledId = 1, Result = "\"A-output\"" };

    [Fact]
    public async Task CompleteOrchestration_EntityMessages_ArriveInTheirEntitiesInboxes()
    {
        await CreateInstanceAsync("orch-1");
        var workItem = await ClaimAsync();
        var executionId = workItem.Instance.ExecutionId;
        var at = Epoch.AddMinutes(5);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            EntityMessages =
            [
                Call(CounterA, Caller("orch-1", executionId, 1), "get"),
                Signal(CounterA, "add", "1", sender: "orch-1", visibleAt: at),
                Signal(CounterB, "add", "2", sender: "orch-1"),
                LockRequest(CounterC, Caller("orch-1", executionId, 3), CounterC, "@counter@d"),
                Release("@counter@d", Caller("orch-1", executionId, 2)),
            ],
        }, Ct);

        Assert.Equal(at, await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        var a = await ClaimEntityAsync(CounterA, "worker-1");
        Assert.Equal(EntityMessageKind.Call, Assert.Single(a.Messages).Message.Kind);
        Assert.Equal(2, a.Entity.BacklogCount);
        Assert.Equal(EntityMessageKind.Signal, Assert.Single((await ClaimEntityAsync(CounterB, "worker-2")).Messages).Message.Kind);
        Assert.Equal(EntityMessageKind.LockRequest, Assert.Single((await ClaimEntityAsync(CounterC, "worker-3")).Messages).Message.Kind);
        Assert.Equal(EntityMessageKind.LockRelease, Assert.Single((await ClaimEntityAsync("@counter@d", "worker-4")).Messages).Message.Kind);
        Assert.Equal("orch-1", a.Messages[0].Message.SenderId);
        await Store.CompleteEntityAsync(a, Batch(a, "0"), Ct);
        Time.Advance(TimeSpan.FromMinutes(5));
        var later = await ClaimEntityAsync(CounterA, "worker-5");
        Assert.Equal("1", ((EntitySignalMessage)Assert.Single(later.Messages).Message).Input);
    }

    [Fact]
    public async Task CompleteOrchestration_MalformedEntityMessage_ThrowsArgumentExceptionAndWritesNothing()
    {
        await CreateInstanceAsync("orch-1");
        var workItem = await ClaimAsync();
        var checkpoint = CheckpointOf(workItem) with { EntityMessages = [Signal(CounterB, sender: "orch-1"), Signal("counter@x", sender: "orch-1")] };

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CompleteOrchestrationAsync(workItem, checkpoint, Ct));

        Assert.Empty(await Store.GetHistoryAsync("orch-1", Ct));
        await AssertNoEntitiesAsync();
        await Store.CompleteOrchestrationAsync(workItem, checkpoint with { EntityMessages = [Signal(CounterB, sender: "orch-1")] }, Ct);
        Assert.Equal(1, (await GetEntityRequiredAsync(CounterB)).BacklogCount);
    }

    [Fact]
    public async Task CompleteOrchestration_LeaseLost_EntityMessagesNotWritten()
    {
        await CreateInstanceAsync("orch-1");
        var lost = await ClaimAsync("worker-1");
        Time.Advance(LeaseDuration);
        await ClaimAsync("worker-2");

        await Assert.ThrowsAsync<WorkItemLockLostException>(
            () => Store.CompleteOrchestrationAsync(lost, CheckpointOf(lost) with { EntityMessages = [Signal(CounterA, sender: "orch-1")] }, Ct));

        await AssertNoEntitiesAsync();
    }

    [Fact]
    public async Task CompleteActivityWithStep_StepCommitted_WritesItsEntityMessages()
    {
        var activity = await RunUntilActivityClaimedAsync("orch-1");
        var step = await SignallingStepAsync("orch-1", Signal(CounterA, "add", "1", sender: "orch-1"));

        Assert.True((await Store.CompleteActivityWithStepAsync(activity, ActivityResult(), step, Ct)).Committed);

        var entity = await ClaimEntityAsync();
        Assert.Equal(CounterA, entity.EntityId);
        Assert.Equal("orch-1", Assert.Single(entity.Messages).Message.SenderId);
    }

    [Fact]
    public async Task CompleteActivityWithStep_StepDropped_DoesNotWriteItsEntityMessages()
    {
        var activity = await RunUntilActivityClaimedAsync("orch-1");
        var step = await SignallingStepAsync("orch-1", Signal(CounterA, sender: "orch-1"));
        await Store.SendMessageAsync(EventMessage("orch-1", "Approval"), Ct);

        Assert.False((await Store.CompleteActivityWithStepAsync(activity, ActivityResult(), step, Ct)).Committed);

        await AssertNoEntitiesAsync();
    }

    [Fact]
    public async Task CompleteActivityWithStep_MalformedEntityMessage_ThrowsArgumentExceptionAndWritesNothing()
    {
        var activity = await RunUntilActivityClaimedAsync("orch-1");
        var step = await SignallingStepAsync("orch-1", Signal("@Counter@a", sender: "orch-1"));
        var historyLength = step.HistoryLength;

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CompleteActivityWithStepAsync(activity, ActivityResult(), step, Ct));

        Assert.Equal(historyLength, (await Store.GetHistoryAsync("orch-1", Ct)).Count);
        await AssertNoEntitiesAsync();
        Assert.Null(await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct));
        await Store.CompleteActivityAsync(activity, ActivityResult(), Ct);
        Assert.IsType<TaskCompletedEvent>(Assert.Single((await ClaimInstanceAsync("orch-1")).Messages).Event);
    }
}
