using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>Orchestration leases: exclusion while live, take-over after expiry, and a stale holder writing nothing.</summary>
public abstract class LeaseConformance : StoreConformanceBase
{
    [Fact]
    public async Task ClaimOrchestration_LiveLease_NotClaimableByAnotherWorker()
    {
        await CreateInstanceAsync("order-1");
        await ClaimAsync("worker-1");

        await Store.SendMessageAsync(EventMessage("order-1", "approve"), Ct);
        Time.Advance(LeaseDuration - TimeSpan.FromSeconds(1));

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
    }

    [Fact]
    public async Task ClaimOrchestration_LeaseExpired_AnotherWorkerTakesOver()
    {
        await CreateInstanceAsync("order-1");
        var first = await ClaimAsync("worker-1");

        Time.Advance(LeaseDuration);

        var second = await ClaimAsync("worker-2");
        Assert.Equal("order-1", second.InstanceId);
        Assert.Equal(first.Messages.Select(m => m.MessageId), second.Messages.Select(m => m.MessageId));
        Assert.Equal(new Lease("worker-2", Epoch + LeaseDuration + LeaseDuration), second.Lease);
    }

    [Fact]
    public async Task CompleteOrchestration_LeaseTakenOver_ThrowsLockLostAndWritesNothing()
    {
        await CreateInstanceAsync("order-1");
        var stale = await ClaimAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await ClaimAsync("worker-2");
        var staleCheckpoint = CheckpointOf(stale, OrchestrationStatus.Completed) with
        {
            ActivityTasks = [ActivityCall(stale, 1)],
            Messages = [EventMessage("order-1", "from-stale")],
        };

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.CompleteOrchestrationAsync(stale, staleCheckpoint, Ct));

        Assert.Empty(await Store.GetHistoryAsync("order-1", Ct));
        Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync("order-1")).Status);
        Assert.Null(await Store.ClaimActivityAsync("worker-3", LeaseDuration, Ct));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-3", LeaseDuration, Ct));

        await Store.CompleteOrchestrationAsync(current, CheckpointOf(current), Ct);
        Assert.Equal(OrchestrationStatus.Running, (await GetRequiredAsync("order-1")).Status);
        Assert.Equal(2, (await Store.GetHistoryAsync("order-1", Ct)).Count);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-3", LeaseDuration, Ct));
    }

    [Fact]
    public async Task CompleteOrchestration_SameWorkerReclaimedAfterExpiry_OldWorkItemThrowsLockLost()
    {
        await CreateInstanceAsync("order-1");
        var stale = await ClaimAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await ClaimAsync("worker-1");

        await Assert.ThrowsAsync<WorkItemLockLostException>(
            () => Store.CompleteOrchestrationAsync(stale, CheckpointOf(stale, OrchestrationStatus.Completed), Ct));

        Assert.Empty(await Store.GetHistoryAsync("order-1", Ct));
        await Store.CompleteOrchestrationAsync(current, CheckpointOf(current), Ct);
        Assert.Equal(OrchestrationStatus.Running, (await GetRequiredAsync("order-1")).Status);
    }

    [Fact]
    public async Task AbandonOrchestration_LeaseTakenOver_ThrowsLockLostAndKeepsTheNewLease()
    {
        await CreateInstanceAsync("order-1");
        var stale = await ClaimAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await ClaimAsync("worker-2");

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.AbandonOrchestrationAsync(stale, TimeSpan.Zero, Ct));

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-3", LeaseDuration, Ct));
        await Store.CompleteOrchestrationAsync(current, CheckpointOf(current), Ct);
    }

    [Fact]
    public async Task RenewOrchestrationLease_LeaseTakenOver_ThrowsLockLostAndKeepsTheNewLease()
    {
        await CreateInstanceAsync("order-1");
        var stale = await ClaimAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var current = await ClaimAsync("worker-2");

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.RenewOrchestrationLeaseAsync(stale, LeaseDuration, Ct));

        await Store.CompleteOrchestrationAsync(current, CheckpointOf(current), Ct);
        Assert.Equal(OrchestrationStatus.Running, (await GetRequiredAsync("order-1")).Status);
    }

    [Fact]
    public async Task RenewOrchestrationLease_Live_ExtendsTheLease()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync("worker-1");
        Time.Advance(TimeSpan.FromSeconds(50));

        await Store.RenewOrchestrationLeaseAsync(workItem, LeaseDuration, Ct);

        Assert.Equal(new Lease("worker-1", Epoch.AddSeconds(50) + LeaseDuration), workItem.Lease);
        Time.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem), Ct);
        Assert.Equal(2, (await Store.GetHistoryAsync("order-1", Ct)).Count);
    }

    [Fact]
    public async Task CompleteOrchestration_SameWorkItemTwice_SecondThrowsLockLost()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem), Ct);

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem), Ct));

        Assert.Equal(
            [HistoryEventType.OrchestratorStarted, HistoryEventType.ExecutionStarted],
            (await Store.GetHistoryAsync("order-1", Ct)).Select(e => e.EventType));
    }

    [Fact]
    public async Task CompleteOrchestration_LeaseReleased_ClaimableAtOnceByAnotherWorker()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync("worker-1");
        await Store.SendMessageAsync(EventMessage("order-1", "approve"), Ct);

        await Store.CompleteOrchestrationAsync(
            workItem,
            CheckpointOf(workItem) with { ConsumedMessageIds = [workItem.Messages[0].MessageId] },
            Ct);

        var next = await ClaimAsync("worker-2");
        Assert.Equal("approve", Assert.IsType<EventRaisedEvent>(Assert.Single(next.Messages).Event).Name);
        Assert.Equal(2, next.HistoryLength);
    }
}
