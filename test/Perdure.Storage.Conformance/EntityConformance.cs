using System.Text.Json;
using Perdure.Core;
using Perdure.Core.Entities;

namespace Perdure.Storage.Conformance;

/// <summary>
/// Durable entities: rows created by their first message, inboxes kept in arrival order, the claim rule (a locked entity
/// serves only its lock holder), batches committed atomically under a lease, reads, queries, cleanup, purge, the entity
/// messages of orchestration steps, and wake-ups. One class over several files (<c>EntityConformance.*.cs</c>), split by
/// concern; this one holds the helpers, intake and claims.
/// </summary>
public abstract partial class EntityConformance : StoreConformanceBase
{
    /// <summary>The entity a test uses when it needs one.</summary>
    protected const string CounterA = "@counter@a";

    /// <summary>A second entity.</summary>
    protected const string CounterB = "@counter@b";

    /// <summary>A third entity.</summary>
    protected const string CounterC = "@counter@c";

    /// <summary>Ids a store must refuse: malformed, or not in their exact (lower-case name) form.</summary>
    public static TheoryData<string> MalformedEntityIds => new()
    {
        "",
        "counter@a",
        "@counter",
        "@@a",
        "@ @a",
        "@Counter@a",
        "@counter@a\u0001",
    };

    /// <summary>A caller (an orchestration task) for calls, lock requests and releases.</summary>
    protected static EntityCaller Caller(string instanceId, string executionId = "exec-1", int taskId = 1) => new(instanceId, executionId, taskId);

    /// <summary>A signal to <paramref name="entityId"/>; <paramref name="sender"/> null means a client sent it.</summary>
    protected EntityInboxMessage Signal(
        string entityId, string operation = "add", string? input = "1", string? sender = null, DateTimeOffset? visibleAt = null) => new()
        {
            EntityId = entityId,
            Message = new EntitySignalMessage { Operation = operation, Input = input, Sender = sender, Timestamp = Time.GetUtcNow() },
            VisibleAt = visibleAt,
        };

    /// <summary>A call to <paramref name="entityId"/> from <paramref name="caller"/>.</summary>
    protected EntityInboxMessage Call(string entityId, EntityCaller caller, string operation = "get", string? input = null) => new()
    {
        EntityId = entityId,
        Message = new EntityCallMessage { Operation = operation, Input = input, Caller = caller, Timestamp = Time.GetUtcNow() },
    };

    /// <summary>The lock request of <paramref name="caller"/> for <paramref name="lockSet"/>, at <paramref name="entityId"/>'s position.</summary>
    protected EntityInboxMessage LockRequest(string entityId, EntityCaller caller, params string[] lockSet)
    {
        ArgumentNullException.ThrowIfNull(lockSet);
        var sorted = lockSet.Order(StringComparer.Ordinal).ToArray();
        return new EntityInboxMessage
        {
            EntityId = entityId,
            Message = new EntityLockRequestMessage
            {
                Caller = caller,
                LockSet = sorted,
                Position = Array.IndexOf(sorted, entityId),
                Timestamp = Time.GetUtcNow(),
            },
        };
    }

    /// <summary>The release, at <paramref name="entityId"/>, of the lock <paramref name="caller"/>'s lock request holds.</summary>
    protected EntityInboxMessage Release(string entityId, EntityCaller caller) => new()
    {
        EntityId = entityId,
        Message = new EntityLockReleaseMessage { Caller = caller, Timestamp = Time.GetUtcNow() },
    };

    /// <summary>Sends <paramref name="messages"/> one at a time, in order.</summary>
    protected async Task SendAsync(params EntityInboxMessage[] messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            await Store.SendEntityMessageAsync(message, Ct);
        }
    }

    /// <summary>Claims the next entity work item and fails the test when there is none.</summary>
    protected async Task<EntityWorkItem> ClaimEntityAsync(string lockedBy = "worker-1", IPerdureStore? store = null)
    {
        var workItem = await (store ?? Store).ClaimEntityAsync(lockedBy, LeaseDuration, Ct);
        Assert.NotNull(workItem);
        return workItem;
    }

    /// <summary>Claims until <paramref name="entityId"/> comes up; entities claimed on the way are released again.</summary>
    protected async Task<EntityWorkItem> ClaimEntityAsync(string entityId, string lockedBy, IPerdureStore? store = null)
    {
        store ??= Store;
        var others = new List<EntityWorkItem>();
        try
        {
            while (true)
            {
                var workItem = await store.ClaimEntityAsync(lockedBy, LeaseDuration, Ct);
                Assert.True(workItem is not null, $"Entity '{entityId}' was expected to be claimable.");
                if (workItem.EntityId == entityId)
                {
                    return workItem;
                }

                others.Add(workItem);
            }
        }
        finally
        {
            foreach (var other in others)
            {
                await store.AbandonEntityAsync(other, TimeSpan.Zero, Ct);
            }
        }
    }

    /// <summary>A checkpoint that consumes every message of <paramref name="workItem"/>, sets <paramref name="state"/> and keeps the lock holder.</summary>
    protected static EntityCheckpoint Batch(EntityWorkItem workItem, string? state)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        return new EntityCheckpoint
        {
            State = state,
            LockHolder = workItem.Entity.LockHolder,
            ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
        };
    }

    /// <summary>Gives <paramref name="entityId"/> the state <paramref name="state"/> through one signal and one batch.</summary>
    protected async Task SetStateAsync(string entityId, string state, IPerdureStore? store = null)
    {
        store ??= Store;
        await store.SendEntityMessageAsync(Signal(entityId, "set", state), Ct);
        var workItem = await ClaimEntityAsync(entityId, "setter", store);
        await store.CompleteEntityAsync(workItem, Batch(workItem, state), Ct);
    }

    /// <summary>Locks <paramref name="entityId"/> for <paramref name="holder"/> through its lock request and one batch; the state stays.</summary>
    protected async Task LockAsync(string entityId, EntityCaller holder)
    {
        ArgumentNullException.ThrowIfNull(holder);
        await SendAsync(LockRequest(entityId, holder, entityId));
        var workItem = await ClaimEntityAsync(entityId, "locker");
        var request = Assert.Single(workItem.Messages, m => m.Message is EntityLockRequestMessage);
        await Store.CompleteEntityAsync(workItem, new EntityCheckpoint
        {
            State = workItem.Entity.State,
            LockHolder = holder,
            ConsumedMessageIds = [request.MessageId],
        }, Ct);
    }

    /// <summary>Reads an entity (with state unless told otherwise) and fails the test when it has no row.</summary>
    protected async Task<StoredEntity> GetEntityRequiredAsync(string entityId, bool includeState = true, IPerdureStore? store = null)
    {
        var entity = await (store ?? Store).GetEntityAsync(entityId, includeState, Ct);
        Assert.True(entity is not null, $"Entity '{entityId}' was expected to have a row.");
        return entity;
    }

    /// <summary>Reads every page of <paramref name="query"/>.</summary>
    protected async Task<List<StoredEntity>> QueryAllEntitiesAsync(StoredEntityQuery query, IPerdureStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        var all = new List<StoredEntity>();
        string? token = null;
        do
        {
            var page = await (store ?? Store).QueryEntitiesAsync(query with { ContinuationToken = token }, Ct);
            Assert.InRange(page.Entities.Count, 0, query.PageSize);
            all.AddRange(page.Entities);
            token = page.ContinuationToken;
        }
        while (token is not null);

        return all;
    }

    /// <summary>Asserts that the store holds no entity row at all and nothing entity-related is claimable or due.</summary>
    protected async Task AssertNoEntitiesAsync(IPerdureStore? store = null)
    {
        store ??= Store;
        Assert.Empty((await store.QueryEntitiesAsync(new StoredEntityQuery { IncludeTransient = true }, Ct)).Entities);
        Assert.Null(await store.ClaimEntityAsync("observer", LeaseDuration, Ct));
    }

    /// <summary>The message's fields as JSON with its type, so that messages compare by value after a store round trip.</summary>
    protected static string Json(EntityMessage message) => JsonSerializer.Serialize(message);

    // ---- intake ----

    [Fact]
    public async Task SendEntityMessage_NoRow_CreatesATransientRowWithoutState()
    {
        Time.Advance(TimeSpan.FromSeconds(5));

        await Store.SendEntityMessageAsync(Signal(CounterA), Ct);

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.Equal(CounterA, entity.EntityId);
        Assert.False(entity.HasState);
        Assert.Null(entity.State);
        Assert.Null(entity.LockHolder);
        Assert.Equal(1, entity.BacklogCount);
        Assert.Equal(Epoch.AddSeconds(5), entity.LastModifiedAt);
    }

    [Fact]
    public async Task SendEntityMessage_RowWithState_ChangesOnlyTheBacklog()
    {
        await SetStateAsync(CounterA, "41");
        Time.Advance(TimeSpan.FromMinutes(1));

        await Store.SendEntityMessageAsync(Signal(CounterA, "add", "1"), Ct);

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.Equal("41", entity.State);
        Assert.Equal(Epoch, entity.LastModifiedAt);
        Assert.Equal(1, entity.BacklogCount);
        Assert.Null(entity.LockHolder);
    }

    [Fact]
    public async Task SendEntityMessage_EveryKind_ClaimedInArrivalOrderWithItsFields()
    {
        EntityInboxMessage[] sent =
        [
            Signal(CounterA, "add", "5", sender: "@other@x"),
            Call(CounterA, Caller("orch-1", "exec-1", 3), "get", "\"in\""),
            LockRequest(CounterA, Caller("orch-2", "exec-2", 7), CounterB, CounterA),
            Release(CounterA, Caller("orch-1", "exec-1", 2)),
            Signal(CounterA, "reset", input: null),
        ];

        await SendAsync(sent);

        var workItem = await ClaimEntityAsync();
        Assert.Equal(CounterA, workItem.EntityId);
        Assert.Equal(sent.Select(m => Json(m.Message)), workItem.Messages.Select(m => Json(m.Message)));
        Assert.All(workItem.Messages, m => Assert.Equal(CounterA, m.EntityId));
        var ids = workItem.Messages.Select(m => m.MessageId).ToList();
        Assert.True(ids[0] > 0);
        Assert.Equal(ids.Order(), ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
        var request = Assert.IsType<EntityLockRequestMessage>(workItem.Messages[2].Message);
        Assert.Equal([CounterA, CounterB], request.LockSet);
        Assert.Equal(0, request.Position);
        Assert.Equal("orch-2", request.SenderId);
    }

    [Fact]
    public async Task SendEntityMessage_MessagesToSeveralEntities_EachInboxKeepsItsOwnOrder()
    {
        await SendAsync(Signal(CounterA, input: "a1"), Signal(CounterB, input: "b1"), Signal(CounterA, input: "a2"), Signal(CounterB, input: "b2"));

        var a = await ClaimEntityAsync(CounterA, "worker-1");
        var b = await ClaimEntityAsync(CounterB, "worker-2");

        Assert.Equal(["a1", "a2"], a.Messages.Select(m => ((EntitySignalMessage)m.Message).Input));
        Assert.Equal(["b1", "b2"], b.Messages.Select(m => ((EntitySignalMessage)m.Message).Input));
        Assert.True(a.Messages[0].MessageId < b.Messages[0].MessageId);
        Assert.True(b.Messages[0].MessageId < a.Messages[1].MessageId);
    }

    [Fact]
    public async Task SendEntityMessage_ScheduledSignal_InvisibleUntilItsTime()
    {
        var at = Epoch.AddMinutes(10);

        await Store.SendEntityMessageAsync(Signal(CounterA, visibleAt: at), Ct);

        Assert.Null(await Store.ClaimEntityAsync("worker-1", LeaseDuration, Ct));
        Assert.Equal(1, (await GetEntityRequiredAsync(CounterA)).BacklogCount);
        Assert.Equal(at, await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        Time.Advance(TimeSpan.FromMinutes(10));
        var workItem = await ClaimEntityAsync();
        Assert.Equal(at, Assert.Single(workItem.Messages).VisibleAt);
    }

    [Theory]
    [MemberData(nameof(MalformedEntityIds))]
    public async Task SendEntityMessage_MalformedEntityId_ThrowsArgumentExceptionAndWritesNothing(string entityId)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SendEntityMessageAsync(Signal(entityId), Ct));

        await AssertNoEntitiesAsync();
    }

    [Theory]
    [InlineData("no message")]
    [InlineData("no entity id")]
    [InlineData("null message")]
    [InlineData("signal without operation")]
    [InlineData("call without caller")]
    [InlineData("call from an entity")]
    [InlineData("release without execution")]
    [InlineData("lock request at the wrong position")]
    [InlineData("lock request with an empty lock set")]
    [InlineData("lock request with duplicates")]
    [InlineData("lock request with a malformed id in its lock set")]
    public async Task SendEntityMessage_MalformedMessage_ThrowsArgumentExceptionAndWritesNothing(string problem)
    {
        var caller = Caller("orch-1");
        var message = problem switch
        {
            "no message" => null!,
            "no entity id" => Signal(null!),
            "null message" => Signal(CounterA) with { Message = null! },
            "signal without operation" => Signal(CounterA, operation: ""),
            "call without caller" => Call(CounterA, null!),
            "call from an entity" => Call(CounterA, Caller(CounterB)),
            "release without execution" => Release(CounterA, caller with { ExecutionId = "" }),
            "lock request at the wrong position" => LockRequest(CounterA, caller, CounterA, CounterB) with { EntityId = CounterB },
            "lock request with an empty lock set" => LockRequest(CounterA, caller) with
            {
                Message = new EntityLockRequestMessage { Caller = caller, LockSet = [], Position = 0 },
            },
            "lock request with duplicates" => LockRequest(CounterA, caller) with
            {
                Message = new EntityLockRequestMessage { Caller = caller, LockSet = [CounterA, CounterA], Position = 0 },
            },
            "lock request with a malformed id in its lock set" => LockRequest(CounterA, caller) with
            {
                Message = new EntityLockRequestMessage { Caller = caller, LockSet = [CounterA, "@Counter@z"], Position = 0 },
            },
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.SendEntityMessageAsync(message, Ct));

        await AssertNoEntitiesAsync();
    }

    // ---- claims ----

    [Fact]
    public async Task ClaimEntities_NothingSent_ClaimsNothing()
    {
        Assert.Empty(await Store.ClaimEntitiesAsync("worker-1", LeaseDuration, 10, Ct));
        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
    }

    [Fact]
    public async Task ClaimEntities_SeveralEntities_ClaimsUpToMaxCountEachUnderItsOwnLease()
    {
        await SendAsync(Signal(CounterA), Signal(CounterB), Signal(CounterC));

        var first = await Store.ClaimEntitiesAsync("worker-1", LeaseDuration, 2, Ct);
        var second = await Store.ClaimEntitiesAsync("worker-2", LeaseDuration, 5, Ct);

        Assert.Equal(2, first.Count);
        Assert.Single(second);
        Assert.Equal([CounterA, CounterB, CounterC], first.Concat(second).Select(w => w.EntityId).Order(StringComparer.Ordinal));
        Assert.All(first, w => Assert.Equal(new Lease("worker-1", Epoch + LeaseDuration), w.Lease));
        Assert.Equal(new Lease("worker-2", Epoch + LeaseDuration), second[0].Lease);
        Assert.Empty(await Store.ClaimEntitiesAsync("worker-3", LeaseDuration, 5, Ct));
    }

    [Fact]
    public async Task ClaimEntities_EntityWithState_CarriesTheRowAndEveryVisibleMessageButNotScheduledOnes()
    {
        await SetStateAsync(CounterA, "41");
        await SendAsync(
            Signal(CounterA, input: "1"),
            Signal(CounterA, input: "2", visibleAt: Epoch.AddMinutes(10)),
            Signal(CounterA, input: "3", sender: "orch-1"));

        var workItem = await ClaimEntityAsync();

        Assert.True(workItem.Entity.HasState);
        Assert.Equal("41", workItem.Entity.State);
        Assert.Null(workItem.Entity.LockHolder);
        Assert.Equal(3, workItem.Entity.BacklogCount);
        Assert.Equal(["1", "3"], workItem.Messages.Select(m => ((EntitySignalMessage)m.Message).Input));
    }

    [Fact]
    public async Task ClaimEntities_LeasedEntity_NotClaimableUntilTheLeaseExpires()
    {
        await SendAsync(Signal(CounterA, input: "1"));
        await ClaimEntityAsync("worker-1");
        await SendAsync(Signal(CounterA, input: "2"));

        Assert.Null(await Store.ClaimEntityAsync("worker-2", LeaseDuration, Ct));
        Assert.Equal(Epoch + LeaseDuration, await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));

        Time.Advance(LeaseDuration);
        var again = await ClaimEntityAsync("worker-2");
        Assert.Equal(["1", "2"], again.Messages.Select(m => ((EntitySignalMessage)m.Message).Input));
        Assert.Equal(new Lease("worker-2", Epoch + (2 * LeaseDuration)), again.Lease);
    }

    [Fact]
    public async Task ClaimEntities_BadArguments_ThrowAndClaimNothing()
    {
        await SendAsync(Signal(CounterA));

        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => Store.ClaimEntitiesAsync("worker-1", LeaseDuration, 0, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ClaimEntitiesAsync("", LeaseDuration, 1, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.ClaimEntitiesAsync(null!, LeaseDuration, 1, Ct));
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => Store.ClaimEntitiesAsync("worker-1", TimeSpan.Zero, 1, Ct));

        Assert.Equal(CounterA, (await ClaimEntityAsync()).EntityId);
    }
}
