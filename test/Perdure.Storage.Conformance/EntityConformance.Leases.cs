using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>Entity leases: a lost lease refuses complete, renew and abandon and writes nothing; renewals and abandons.</summary>
public abstract partial class EntityConformance
{
    /// <summary>Claims <see cref="CounterA"/> as worker-1, lets the lease expire and claims it again as worker-2.</summary>
    private async Task<(EntityWorkItem Lost, EntityWorkItem Current)> LoseLeaseAsync()
    {
        await SendAsync(Signal(CounterA));
        var lost = await ClaimEntityAsync("worker-1");
        Time.Advance(LeaseDuration);
        var current = await ClaimEntityAsync("worker-2");
        return (lost, current);
    }

    [Fact]
    public async Task CompleteEntity_LeaseTakenOver_ThrowsLockLostAndWritesNothing()
    {
        var callerStart = await CreateInStatusAsync("caller-1", OrchestrationStatus.Running);
        var (lost, current) = await LoseLeaseAsync();
        var checkpoint = Batch(lost, "\"lost\"") with
        {
            LockHolder = Caller("orch-9"),
            EntityMessages = [Signal(CounterB, sender: CounterA)],
            InstanceMessages =
            [
                new InstanceMessage
                {
                    InstanceId = "caller-1",
                    ExecutionId = callerStart.Started.ExecutionId,
                    Event = new EntityOperationCompletedEvent { TaskScheduledId = 1, Result = "1" },
                },
            ],
            NewOrchestrations = [NewInstanceRequest("started-1")],
        };

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.CompleteEntityAsync(lost, checkpoint, Ct));

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.False(entity.HasState);
        Assert.Null(entity.LockHolder);
        Assert.Equal(1, entity.BacklogCount);
        Assert.Null(await Store.GetEntityAsync(CounterB, includeState: true, Ct));
        Assert.Null(await Store.GetInstanceAsync("started-1", includePayloads: false, Ct));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-3", LeaseDuration, Ct));
        await Store.CompleteEntityAsync(current, Batch(current, "\"kept\""), Ct);
        Assert.Equal("\"kept\"", (await GetEntityRequiredAsync(CounterA)).State);
    }

    [Fact]
    public async Task RenewEntityLease_LeaseTakenOver_ThrowsLockLostAndKeepsTheNewHoldersLease()
    {
        var (lost, current) = await LoseLeaseAsync();

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.RenewEntityLeaseAsync(lost, LeaseDuration, Ct));

        Assert.Null(await Store.ClaimEntityAsync("worker-3", LeaseDuration, Ct));
        await Store.CompleteEntityAsync(current, Batch(current, "1"), Ct);
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }

    [Fact]
    public async Task AbandonEntity_LeaseTakenOver_ThrowsLockLostAndKeepsTheNewHoldersLease()
    {
        var (lost, current) = await LoseLeaseAsync();

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.AbandonEntityAsync(lost, TimeSpan.Zero, Ct));

        Assert.Null(await Store.ClaimEntityAsync("worker-3", LeaseDuration, Ct));
        await Store.CompleteEntityAsync(current, Batch(current, "1"), Ct);
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }

    [Fact]
    public async Task RenewEntityLease_LeaseHeld_ExtendsItAndUpdatesTheWorkItem()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        Time.Advance(TimeSpan.FromSeconds(30));

        await Store.RenewEntityLeaseAsync(workItem, LeaseDuration, Ct);

        Assert.Equal(new Lease("worker-1", Epoch.AddSeconds(30) + LeaseDuration), workItem.Lease);
        Time.Advance(TimeSpan.FromSeconds(45));
        Assert.Null(await Store.ClaimEntityAsync("worker-2", LeaseDuration, Ct));
        Assert.Equal(Epoch.AddSeconds(30) + LeaseDuration, await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1"), Ct);
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }

    [Fact]
    public async Task CompleteEntity_LeaseExpiredButNotTakenOver_Commits()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        Time.Advance(2 * LeaseDuration);

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1"), Ct);

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.Equal("1", entity.State);
        Assert.Equal(0, entity.BacklogCount);
    }

    [Fact]
    public async Task CompleteEntity_SecondCommitOfTheSameWorkItem_ThrowsLockLost()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with { ConsumedMessageIds = [] }, Ct);

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.CompleteEntityAsync(workItem, Batch(workItem, "2"), Ct));

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.Equal("1", entity.State);
        Assert.Equal(1, entity.BacklogCount);
    }

    [Fact]
    public async Task AbandonEntity_WithBackOff_ClaimableAgainAfterRetryAfter()
    {
        await SetStateAsync(CounterA, "7");
        await SendAsync(Signal(CounterA, input: "1"));
        var workItem = await ClaimEntityAsync();

        await Store.AbandonEntityAsync(workItem, TimeSpan.FromSeconds(30), Ct);

        Assert.Null(await Store.ClaimEntityAsync("worker-2", LeaseDuration, Ct));
        Assert.Equal(Epoch.AddSeconds(30), await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        Time.Advance(TimeSpan.FromSeconds(30));
        var again = await ClaimEntityAsync("worker-2");
        Assert.Equal(workItem.Messages.Select(m => m.MessageId), again.Messages.Select(m => m.MessageId));
        Assert.Equal("7", again.Entity.State);
    }

    [Fact]
    public async Task AbandonEntity_WithoutBackOff_ClaimableAtOnce()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();

        await Store.AbandonEntityAsync(workItem, TimeSpan.Zero, Ct);

        var again = await ClaimEntityAsync("worker-2");
        Assert.Equal(workItem.Messages.Select(m => m.MessageId), again.Messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task RenewAndAbandon_BadDurations_ThrowAndKeepTheLease()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();

        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => Store.AbandonEntityAsync(workItem, TimeSpan.FromSeconds(-1), Ct));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => Store.RenewEntityLeaseAsync(workItem, TimeSpan.Zero, Ct));

        Assert.Null(await Store.ClaimEntityAsync("worker-2", LeaseDuration, Ct));
        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1"), Ct);
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }
}
