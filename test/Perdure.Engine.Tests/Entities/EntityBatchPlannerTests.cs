using Perdure.Core.Entities;
using Perdure.Engine.Entities;

namespace Perdure.Engine.Tests.Entities;

/// <summary>Which inbox messages one entity batch takes: arrival order, lock gating, batch ends.</summary>
public sealed class EntityBatchPlannerTests
{
    private const string Self = "@account@a";
    private static readonly EntityCaller Alice = new("alice", "exec-1", 4);
    private static readonly EntityCaller Bob = new("bob", "exec-9", 2);
    private long _nextId;

    [Fact]
    public void Plan_UnlockedEntity_TakesSignalsAndCallsInArrivalOrder()
    {
        var messages = Inbox(Signal("deposit", sender: null), Call("balance", Alice), Signal("deposit", sender: "@other@x"));

        var plan = EntityBatchPlanner.Plan(Row(), messages, maxOperations: 10);

        Assert.Equal(messages, plan.Consumed);
        Assert.Equal(["deposit", "balance", "deposit"], plan.Requests.Select(r => r.Operation));
        Assert.Equal([null, Alice, null], plan.Operations.Select(o => o.Caller));
        Assert.Null(plan.LockHolderAfter);
        Assert.Null(plan.LockAcquired);
        Assert.Equal(0, plan.Waiting);
    }

    [Fact]
    public void Plan_MoreOperationsThanTheBatchSize_LeavesTheRestInOrder()
    {
        var messages = Inbox(Signal("a"), Signal("b"), Signal("c"));

        var plan = EntityBatchPlanner.Plan(Row(), messages, maxOperations: 2);

        Assert.Equal(["a", "b"], plan.Requests.Select(r => r.Operation));
        Assert.Equal(messages.Take(2), plan.Consumed);
    }

    [Fact]
    public void Plan_LockRequest_LocksAfterTheOperationsBeforeItAndEndsTheBatch()
    {
        var lockRequest = LockRequest(Alice, [Self, "@account@b"], position: 0);
        var messages = Inbox(Signal("deposit"), lockRequest, Signal("withdraw"), Call("balance", Alice));

        var plan = EntityBatchPlanner.Plan(Row(), messages, maxOperations: 10);

        Assert.Equal(["deposit"], plan.Requests.Select(r => r.Operation));
        Assert.Equal(messages.Take(2), plan.Consumed);
        Assert.Equal(Alice, plan.LockHolderAfter);
        Assert.Same(lockRequest, plan.LockAcquired);
    }

    [Fact]
    public void Plan_LockedEntity_ServesOnlyTheHolderAndLeavesOthersWaitingInPlace()
    {
        var messages = Inbox(Signal("deposit", sender: null), Call("balance", Bob), Call("withdraw", Alice), Signal("audit", sender: "alice"));

        var plan = EntityBatchPlanner.Plan(Row(lockHolder: Alice), messages, maxOperations: 10);

        Assert.Equal(["withdraw", "audit"], plan.Requests.Select(r => r.Operation));
        Assert.Equal([messages[2], messages[3]], plan.Consumed);
        Assert.Equal(2, plan.Waiting);
        Assert.Equal(Alice, plan.LockHolderAfter);
    }

    [Fact]
    public void Plan_ReleaseByTheHolder_UnlocksAndEndsTheBatchSoWaitingMessagesGoNext()
    {
        var messages = Inbox(Signal("deposit", sender: null), Call("withdraw", Alice), Release(Alice), Call("balance", Bob));

        var plan = EntityBatchPlanner.Plan(Row(lockHolder: Alice), messages, maxOperations: 10);

        Assert.Equal(["withdraw"], plan.Requests.Select(r => r.Operation));
        Assert.Equal([messages[1], messages[2]], plan.Consumed);
        Assert.Null(plan.LockHolderAfter);
    }

    [Fact]
    public void Plan_ReleaseOfAnotherCriticalSection_IsConsumedAndIgnored()
    {
        var olderRequest = Alice with { TaskId = 1 };
        var messages = Inbox(Release(olderRequest), Call("withdraw", Alice));

        var plan = EntityBatchPlanner.Plan(Row(lockHolder: Alice), messages, maxOperations: 10);

        Assert.Equal(messages, plan.Consumed);
        Assert.Equal(["withdraw"], plan.Requests.Select(r => r.Operation));
        Assert.Equal(Alice, plan.LockHolderAfter);
    }

    [Fact]
    public void Plan_ReleaseFromSomeoneElseWhileLocked_Waits()
    {
        var messages = Inbox(Release(Bob));

        var plan = EntityBatchPlanner.Plan(Row(lockHolder: Alice), messages, maxOperations: 10);

        Assert.Empty(plan.Consumed);
        Assert.Equal(1, plan.Waiting);
        Assert.Equal(Alice, plan.LockHolderAfter);
    }

    [Fact]
    public void Plan_LockRequestWithItsReleaseBehindIt_CancelsBothAndCarriesOn()
    {
        var messages = Inbox(LockRequest(Alice, [Self], position: 0), Signal("deposit"), Release(Alice), Signal("withdraw"));

        var plan = EntityBatchPlanner.Plan(Row(), messages, maxOperations: 10);

        Assert.Null(plan.LockAcquired);
        Assert.Null(plan.LockHolderAfter);
        Assert.Equal(["deposit", "withdraw"], plan.Requests.Select(r => r.Operation));
        Assert.Equal(4, plan.Consumed.Count);
    }

    [Fact]
    public void Plan_LockRequestForAnotherEntity_IsDroppedNotGranted()
    {
        var messages = Inbox(LockRequest(Alice, ["@account@z"], position: 0), Signal("deposit"));

        var plan = EntityBatchPlanner.Plan(Row(), messages, maxOperations: 10);

        Assert.Null(plan.LockAcquired);
        Assert.Null(plan.LockHolderAfter);
        Assert.Equal(messages, plan.Consumed);
    }

    [Fact]
    public void Truncate_FewerOperationsRan_ConsumesOnlyWhatCameBeforeAndKeepsTheLock()
    {
        var messages = Inbox(Signal("a"), Release(Bob), Signal("b"), LockRequest(Alice, [Self], position: 0));
        var plan = EntityBatchPlanner.Plan(Row(), messages, maxOperations: 10);
        Assert.Equal(Alice, plan.LockHolderAfter);

        var truncated = plan.Truncate(1);

        Assert.Equal([messages[0], messages[1]], truncated.Consumed);
        Assert.Single(truncated.Operations);
        Assert.Null(truncated.LockHolderAfter);
        Assert.Null(truncated.LockAcquired);
        Assert.Same(plan, plan.Truncate(2));
    }

    private static StoredEntity Row(EntityCaller? lockHolder = null) => new()
    {
        EntityId = Self, HasState = true, State = "10", LastModifiedAt = DateTimeOffset.UnixEpoch, LockHolder = lockHolder,
    };

    private List<EntityInboxMessage> Inbox(params EntityMessage[] messages) =>
        [.. messages.Select(m => new EntityInboxMessage { EntityId = Self, Message = m, MessageId = ++_nextId })];

    private static EntitySignalMessage Signal(string operation, string? sender = null) => new() { Operation = operation, Sender = sender };

    private static EntityCallMessage Call(string operation, EntityCaller caller) => new() { Operation = operation, Caller = caller };

    private static EntityLockRequestMessage LockRequest(EntityCaller caller, IReadOnlyList<string> lockSet, int position) =>
        new() { Caller = caller, LockSet = lockSet, Position = position };

    private static EntityLockReleaseMessage Release(EntityCaller caller) => new() { Caller = caller };
}
