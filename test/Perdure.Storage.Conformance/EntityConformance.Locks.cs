using Perdure.Core;
using Perdure.Core.Entities;

namespace Perdure.Storage.Conformance;

/// <summary>While an entity is locked it serves only its lock holder's messages; the others wait in place, in order.</summary>
public abstract partial class EntityConformance
{
    [Fact]
    public async Task ClaimEntities_LockedEntityWithOnlyOtherSendersMessages_IsNotClaimable()
    {
        var holder = Caller("orch-1");
        await LockAsync(CounterA, holder);

        await SendAsync(
            Signal(CounterA, sender: null),
            Signal(CounterA, sender: "orch-2"),
            Signal(CounterA, sender: "@other@x"),
            Call(CounterA, Caller("orch-2")),
            LockRequest(CounterA, Caller("orch-3"), CounterA));

        Assert.Null(await Store.ClaimEntityAsync("worker-1", LeaseDuration, Ct));
        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        Time.Advance(2 * LeaseDuration);
        Assert.Null(await Store.ClaimEntityAsync("worker-1", LeaseDuration, Ct));
        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.Equal(holder, entity.LockHolder);
        Assert.Equal(5, entity.BacklogCount);
    }

    [Fact]
    public async Task ClaimEntities_LockedEntityWithAHolderMessage_DeliversItWithTheWaitingMessagesInArrivalOrder()
    {
        var holder = Caller("orch-1");
        await LockAsync(CounterA, holder);
        await SendAsync(Signal(CounterA, input: "client"), Call(CounterA, holder with { TaskId = 2 }), Signal(CounterA, input: "other", sender: "orch-2"));

        var workItem = await ClaimEntityAsync();

        Assert.Equal(holder, workItem.Entity.LockHolder);
        Assert.Equal([null, "orch-1", "orch-2"], workItem.Messages.Select(m => m.Message.SenderId));
        Assert.Equal(
            [EntityMessageKind.Signal, EntityMessageKind.Call, EntityMessageKind.Signal],
            workItem.Messages.Select(m => m.Message.Kind));
    }

    [Fact]
    public async Task CompleteEntity_LockedBatchConsumesTheHolderMessage_OthersStayInPlaceAndWait()
    {
        var holder = Caller("orch-1");
        await LockAsync(CounterA, holder);
        await SendAsync(Signal(CounterA, input: "client"), Call(CounterA, holder with { TaskId = 2 }), Signal(CounterA, input: "other", sender: "orch-2"));
        var workItem = await ClaimEntityAsync();

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with { ConsumedMessageIds = [workItem.Messages[1].MessageId] }, Ct);

        Assert.Null(await Store.ClaimEntityAsync("worker-2", LeaseDuration, Ct));
        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.Equal(2, entity.BacklogCount);
        Assert.Equal(holder, entity.LockHolder);
        Assert.Equal("1", entity.State);
    }

    [Fact]
    public async Task CompleteEntity_LockReleased_WaitingMessagesServedNextInArrivalOrder()
    {
        var holder = Caller("orch-1");
        await LockAsync(CounterA, holder);
        await SendAsync(Signal(CounterA, input: "1"), Signal(CounterA, input: "2", sender: "orch-2"), Release(CounterA, holder));
        var releasing = await ClaimEntityAsync();
        var release = Assert.Single(releasing.Messages, m => m.Message is EntityLockReleaseMessage);

        await Store.CompleteEntityAsync(releasing, new EntityCheckpoint { State = null, LockHolder = null, ConsumedMessageIds = [release.MessageId] }, Ct);

        var next = await ClaimEntityAsync("worker-2");
        Assert.Null(next.Entity.LockHolder);
        Assert.Equal(["1", "2"], next.Messages.Select(m => ((EntitySignalMessage)m.Message).Input));
        Assert.Equal(releasing.Messages.Take(2).Select(m => m.MessageId), next.Messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task ClaimEntities_LockedEntity_ServesAnyMessageWhoseSenderIsTheHolderInstance()
    {
        await LockAsync(CounterA, Caller("orch-1", "exec-1", 1));

        await SendAsync(Release(CounterA, Caller("orch-1", "exec-0", 9)));

        var workItem = await ClaimEntityAsync();
        Assert.Equal("orch-1", Assert.Single(workItem.Messages).Message.SenderId);
    }

    [Fact]
    public async Task ClaimEntities_LockedEntity_HolderScheduledSignalClaimableOnceVisible()
    {
        await LockAsync(CounterA, Caller("orch-1"));

        await SendAsync(Signal(CounterA, sender: "orch-1", visibleAt: Epoch.AddMinutes(5)));

        Assert.Null(await Store.ClaimEntityAsync("worker-1", LeaseDuration, Ct));
        var due = await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct);
        Assert.NotNull(due);
        Assert.True(due <= Epoch.AddMinutes(5));
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Single((await ClaimEntityAsync()).Messages);
    }
}
