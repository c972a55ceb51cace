using Perdure.Core;
using Perdure.Core.Entities;

namespace Perdure.Storage.Conformance;

/// <summary>Cleaning entity storage, purging entities, deleting the task hub, and task hub isolation.</summary>
public abstract partial class EntityConformance
{
    private static EntityCleanupRequest ReleaseOrphans(int pageSize = 100, string? token = null) =>
        new() { ReleaseOrphanedLocks = true, PageSize = pageSize, ContinuationToken = token };

    [Fact]
    public async Task CleanEntityStorage_RemoveEmptyEntities_KeepsRowsWithStateLockOrMessages()
    {
        var live = await CreateInStatusAsync("live-1", OrchestrationStatus.Running);
        await SetStateAsync(CounterA, "1");
        await SendAsync(Signal(CounterB));
        await LockAsync(CounterC, Caller("live-1", live.Started.ExecutionId));

        var result = await Store.CleanEntityStorageAsync(new EntityCleanupRequest { RemoveEmptyEntities = true, ReleaseOrphanedLocks = true }, Ct);

        Assert.Equal(new EntityCleanupResult(0, 0, null), result);
        var all = await QueryAllEntitiesAsync(new StoredEntityQuery { IncludeTransient = true });
        Assert.Equal([CounterA, CounterB, CounterC], all.Select(e => e.EntityId));
        Assert.NotNull(all[2].LockHolder);
    }

    [Fact]
    public async Task CleanEntityStorage_ReleaseOrphanedLocks_ReleasesExactlyTheLocksWhoseHolderNoLongerRuns()
    {
        var done = await CreateInStatusAsync("done-1", OrchestrationStatus.Completed);
        var moved = await CreateInStatusAsync("moved-1", OrchestrationStatus.Running);
        var live = await CreateInStatusAsync("live-1", OrchestrationStatus.Running);
        var fresh = await CreateInStatusAsync("new-1", OrchestrationStatus.Pending);
        var paused = await CreateInStatusAsync("paused-1", OrchestrationStatus.Suspended);
        await SetStateAsync("@lock@gone", "1");
        await LockAsync("@lock@gone", Caller("gone-1"));
        await LockAsync("@lock@done", Caller("done-1", done.Started.ExecutionId));
        await SendAsync(Signal("@lock@done", input: "waited"));
        await LockAsync("@lock@moved", Caller("moved-1", "an-earlier-execution"));
        await LockAsync("@lock@live", Caller("live-1", live.Started.ExecutionId));
        await LockAsync("@lock@new", Caller("new-1", fresh.Started.ExecutionId));
        await LockAsync("@lock@paused", Caller("paused-1", paused.Started.ExecutionId));
        Assert.NotEqual("an-earlier-execution", moved.Started.ExecutionId);

        var result = await Store.CleanEntityStorageAsync(ReleaseOrphans(), Ct);

        Assert.Equal(new EntityCleanupResult(0, 3, null), result);
        var gone = await GetEntityRequiredAsync("@lock@gone");
        Assert.Null(gone.LockHolder);
        Assert.Equal("1", gone.State);
        Assert.Null((await GetEntityRequiredAsync("@lock@done")).LockHolder);
        Assert.Null(await Store.GetEntityAsync("@lock@moved", includeState: true, Ct));
        Assert.Equal("live-1", (await GetEntityRequiredAsync("@lock@live")).LockHolder?.InstanceId);
        Assert.Equal("new-1", (await GetEntityRequiredAsync("@lock@new")).LockHolder?.InstanceId);
        Assert.Equal("paused-1", (await GetEntityRequiredAsync("@lock@paused")).LockHolder?.InstanceId);
        var served = await ClaimEntityAsync();
        Assert.Equal("@lock@done", served.EntityId);
        Assert.Equal("waited", ((EntitySignalMessage)Assert.Single(served.Messages).Message).Input);
    }

    [Fact]
    public async Task CleanEntityStorage_SmallPages_ExamineEveryRowOnce()
    {
        string[] ids = ["@lock@1", "@lock@2", "@lock@3", "@lock@4", "@lock@5"];
        foreach (var id in ids)
        {
            await LockAsync(id, Caller("gone-1"));
        }

        var results = new List<EntityCleanupResult>();
        string? token = null;
        do
        {
            var result = await Store.CleanEntityStorageAsync(ReleaseOrphans(pageSize: 2, token), Ct);
            results.Add(result);
            token = result.ContinuationToken;
        }
        while (token is not null);

        Assert.Equal([2, 2, 1], results.Select(r => r.OrphanedLocksReleased));
        Assert.All(results, r => Assert.Equal(0, r.EmptyEntitiesRemoved));
        await AssertNoEntitiesAsync();
    }

    [Fact]
    public async Task CleanEntityStorage_NothingAsked_ChangesNothing()
    {
        await LockAsync(CounterA, Caller("gone-1"));

        var result = await Store.CleanEntityStorageAsync(new EntityCleanupRequest(), Ct);

        Assert.Equal(new EntityCleanupResult(0, 0, null), result);
        Assert.Equal(Caller("gone-1"), (await GetEntityRequiredAsync(CounterA)).LockHolder);
    }

    [Fact]
    public async Task CleanEntityStorage_ReleasesTheLockOfALeasedEntity_TheBatchInFlightCannotCommit()
    {
        await LockAsync(CounterA, Caller("gone-1"));
        await SendAsync(Signal(CounterA, sender: "gone-1"), Signal(CounterA, input: "waited"));
        var inFlight = await ClaimEntityAsync();

        Assert.Equal(1, (await Store.CleanEntityStorageAsync(ReleaseOrphans(), Ct)).OrphanedLocksReleased);

        await Assert.ThrowsAsync<WorkItemLockLostException>(
            () => Store.CompleteEntityAsync(inFlight, Batch(inFlight, "1") with { LockHolder = Caller("gone-1") }, Ct));
        var again = await ClaimEntityAsync("worker-2");
        Assert.Null(again.Entity.LockHolder);
        Assert.False(again.Entity.HasState);
        Assert.Equal(2, again.Messages.Count);
    }

    [Theory]
    [InlineData(0, null)]
    [InlineData(10, "not-a-token")]
    public async Task CleanEntityStorage_BadRequest_ThrowsArgumentExceptionAndChangesNothing(int pageSize, string? token)
    {
        await LockAsync(CounterA, Caller("gone-1"));

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CleanEntityStorageAsync(ReleaseOrphans(pageSize, token), Ct));

        Assert.Equal(Caller("gone-1"), (await GetEntityRequiredAsync(CounterA)).LockHolder);
    }

    [Fact]
    public async Task PurgeEntity_WithStateAndMessages_DeletesTheRowAndItsWholeInbox()
    {
        await SetStateAsync(CounterA, "1");
        await SendAsync(Signal(CounterA), Signal(CounterA, visibleAt: Epoch.AddMinutes(5)));

        Assert.Equal(1, await Store.PurgeEntityAsync(CounterA, Ct));

        Assert.Null(await Store.GetEntityAsync(CounterA, includeState: true, Ct));
        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        await AssertNoEntitiesAsync();
        Time.Advance(TimeSpan.FromMinutes(5));
        await AssertNoEntitiesAsync();
        Assert.Equal(0, await Store.PurgeEntityAsync(CounterA, Ct));
    }

    [Fact]
    public async Task PurgeEntity_TransientRow_IsDeleted()
    {
        await SendAsync(Signal(CounterA));

        Assert.Equal(1, await Store.PurgeEntityAsync(CounterA, Ct));

        await AssertNoEntitiesAsync();
    }

    [Fact]
    public async Task PurgeEntity_Unknown_ReturnsZero()
    {
        await SetStateAsync(CounterB, "1");

        Assert.Equal(0, await Store.PurgeEntityAsync(CounterA, Ct));

        Assert.Equal("1", (await GetEntityRequiredAsync(CounterB)).State);
    }

    [Fact]
    public async Task PurgeEntity_Locked_ThrowsEntityLockedAndDeletesNothing()
    {
        var holder = Caller("orch-1", "exec-1", 3);
        await SetStateAsync(CounterA, "1");
        await LockAsync(CounterA, holder);
        await SendAsync(Signal(CounterA));

        var error = await Assert.ThrowsAsync<EntityLockedException>(() => Store.PurgeEntityAsync(CounterA, Ct));

        Assert.Equal(CounterA, error.EntityId);
        Assert.Equal(holder, error.LockHolder);
        Assert.IsAssignableFrom<PerdureStoreException>(error);
        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.Equal("1", entity.State);
        Assert.Equal(holder, entity.LockHolder);
        Assert.Equal(1, entity.BacklogCount);
    }

    [Fact]
    public async Task PurgeEntity_DuringABatch_TheBatchCannotCommit()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();

        Assert.Equal(1, await Store.PurgeEntityAsync(CounterA, Ct));

        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.CompleteEntityAsync(workItem, Batch(workItem, "1"), Ct));
        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.RenewEntityLeaseAsync(workItem, LeaseDuration, Ct));
        await Assert.ThrowsAsync<WorkItemLockLostException>(() => Store.AbandonEntityAsync(workItem, TimeSpan.Zero, Ct));
        Assert.Null(await Store.GetEntityAsync(CounterA, includeState: true, Ct));
    }

    [Theory]
    [MemberData(nameof(MalformedEntityIds))]
    public async Task PurgeEntity_MalformedId_ThrowsArgumentException(string entityId)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.PurgeEntityAsync(entityId, Ct));
    }

    [Fact]
    public async Task DeleteTaskHub_RemovesEveryEntity()
    {
        await SetStateAsync(CounterA, "1");
        await SendAsync(Signal(CounterB, visibleAt: Epoch.AddMinutes(5)), Signal(CounterC));
        await ClaimEntityAsync();

        await Store.DeleteTaskHubAsync(Ct);

        await AssertNoEntitiesAsync();
        Assert.Null(await Store.GetEntityAsync(CounterA, includeState: true, Ct));
        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
    }

    [Fact]
    public async Task Entities_InOneTaskHub_InvisibleToAnother()
    {
        var other = await NewStoreAsync();
        await SetStateAsync(CounterA, "1");
        await LockAsync(CounterB, Caller("gone-1"));
        await SendAsync(Signal(CounterC, visibleAt: Epoch.AddMinutes(5)));

        Assert.Null(await other.GetEntityAsync(CounterA, includeState: true, Ct));
        Assert.Empty((await other.QueryEntitiesAsync(new StoredEntityQuery { IncludeTransient = true }, Ct)).Entities);
        Assert.Null(await other.ClaimEntityAsync("worker-1", LeaseDuration, Ct));
        Assert.Null(await other.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        Assert.Equal(new EntityCleanupResult(0, 0, null), await other.CleanEntityStorageAsync(ReleaseOrphans() with { RemoveEmptyEntities = true }, Ct));
        Assert.Equal(0, await other.PurgeEntityAsync(CounterA, Ct));
        Assert.Equal(Caller("gone-1"), (await GetEntityRequiredAsync(CounterB)).LockHolder);
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }

    [Fact]
    public async Task Entities_SameIdInTwoTaskHubs_AreIndependent()
    {
        var other = await NewStoreAsync();
        await SetStateAsync(CounterA, "1");

        await SetStateAsync(CounterA, "2", other);

        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
        Assert.Equal("2", (await GetEntityRequiredAsync(CounterA, store: other)).State);
        Assert.Equal(1, await other.PurgeEntityAsync(CounterA, Ct));
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }
}
