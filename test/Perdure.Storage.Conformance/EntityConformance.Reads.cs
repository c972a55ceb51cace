using Perdure.Core;
using Perdure.Core.Entities;

namespace Perdure.Storage.Conformance;

/// <summary>Reading entities: one row, and queries with paging, prefix, last-modified range, state and transient rows.</summary>
public abstract partial class EntityConformance
{
    /// <summary>Gives each id state "1" through a batch, one minute apart starting at the current time.</summary>
    private async Task SetStatesMinuteApartAsync(params string[] entityIds)
    {
        foreach (var entityId in entityIds)
        {
            await SetStateAsync(entityId, "1");
            Time.Advance(TimeSpan.FromMinutes(1));
        }
    }

    [Fact]
    public async Task GetEntity_Unknown_ReturnsNull()
    {
        Assert.Null(await Store.GetEntityAsync(CounterA, includeState: true, Ct));
    }

    [Fact]
    public async Task GetEntity_WithoutState_OmitsTheStateButSaysThereIsOne()
    {
        await SetStateAsync(CounterA, "{\"n\":5}");

        var entity = await GetEntityRequiredAsync(CounterA, includeState: false);

        Assert.True(entity.HasState);
        Assert.Null(entity.State);
        Assert.Equal("{\"n\":5}", (await GetEntityRequiredAsync(CounterA, includeState: true)).State);
    }

    [Fact]
    public async Task GetEntity_KeyIsCaseSensitive()
    {
        await SetStateAsync("@counter@Key", "1");

        Assert.Null(await Store.GetEntityAsync("@counter@key", includeState: true, Ct));
        Assert.Equal("1", (await GetEntityRequiredAsync("@counter@Key")).State);
    }

    [Theory]
    [MemberData(nameof(MalformedEntityIds))]
    public async Task GetEntity_MalformedId_ThrowsArgumentException(string entityId)
    {
        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.GetEntityAsync(entityId, includeState: true, Ct));
    }

    [Fact]
    public async Task QueryEntities_SeveralPages_ReturnEveryEntityOnceInIdOrder()
    {
        await SetStatesMinuteApartAsync("@counter@e", "@counter@b", "@counter@d", "@counter@a", "@counter@c");

        var first = await Store.QueryEntitiesAsync(new StoredEntityQuery { PageSize = 2 }, Ct);
        var second = await Store.QueryEntitiesAsync(new StoredEntityQuery { PageSize = 2, ContinuationToken = first.ContinuationToken }, Ct);
        var third = await Store.QueryEntitiesAsync(new StoredEntityQuery { PageSize = 2, ContinuationToken = second.ContinuationToken }, Ct);

        Assert.Equal(["@counter@a", "@counter@b"], first.Entities.Select(e => e.EntityId));
        Assert.Equal(["@counter@c", "@counter@d"], second.Entities.Select(e => e.EntityId));
        Assert.Equal(["@counter@e"], third.Entities.Select(e => e.EntityId));
        Assert.NotNull(first.ContinuationToken);
        Assert.NotNull(second.ContinuationToken);
        Assert.Null(third.ContinuationToken);
    }

    [Fact]
    public async Task QueryEntities_AllOnOnePage_HasNoContinuationToken()
    {
        await SetStatesMinuteApartAsync(CounterA, CounterB);

        var page = await Store.QueryEntitiesAsync(new StoredEntityQuery { PageSize = 2 }, Ct);

        Assert.Equal(2, page.Entities.Count);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task QueryEntities_Prefix_MatchesOrdinallyAndCaseSensitively()
    {
        await SetStatesMinuteApartAsync("@counter@a", "@counter@B", "@counters@x", "@other@counter");

        var counters = await QueryAllEntitiesAsync(new StoredEntityQuery { EntityIdPrefix = "@counter@", PageSize = 1 });
        var lowerB = await QueryAllEntitiesAsync(new StoredEntityQuery { EntityIdPrefix = "@counter@b" });
        var names = await QueryAllEntitiesAsync(new StoredEntityQuery { EntityIdPrefix = "@counter" });
        var withoutAt = await QueryAllEntitiesAsync(new StoredEntityQuery { EntityIdPrefix = "counter" });

        Assert.Equal(["@counter@B", "@counter@a"], counters.Select(e => e.EntityId));
        Assert.Empty(lowerB);
        Assert.Equal(["@counter@B", "@counter@a", "@counters@x"], names.Select(e => e.EntityId));
        Assert.Empty(withoutAt);
    }

    [Fact]
    public async Task QueryEntities_LastModifiedRange_IsInclusive()
    {
        await SetStatesMinuteApartAsync(CounterA, CounterB, CounterC);

        var fromB = await QueryAllEntitiesAsync(new StoredEntityQuery { LastModifiedFrom = Epoch.AddMinutes(1) });
        var toB = await QueryAllEntitiesAsync(new StoredEntityQuery { LastModifiedTo = Epoch.AddMinutes(1) });
        var onlyB = await QueryAllEntitiesAsync(new StoredEntityQuery { LastModifiedFrom = Epoch.AddMinutes(1), LastModifiedTo = Epoch.AddMinutes(1) });

        Assert.Equal([CounterB, CounterC], fromB.Select(e => e.EntityId));
        Assert.Equal([CounterA, CounterB], toB.Select(e => e.EntityId));
        Assert.Equal([CounterB], onlyB.Select(e => e.EntityId));
        Assert.Equal(Epoch.AddMinutes(1), onlyB[0].LastModifiedAt);
    }

    [Fact]
    public async Task QueryEntities_IncludeState_ReadsStatesOnlyWhenAsked()
    {
        await SetStateAsync(CounterA, "\"a\"");

        var without = Assert.Single((await Store.QueryEntitiesAsync(new StoredEntityQuery(), Ct)).Entities);
        var with = Assert.Single((await Store.QueryEntitiesAsync(new StoredEntityQuery { IncludeState = true }, Ct)).Entities);

        Assert.True(without.HasState);
        Assert.Null(without.State);
        Assert.True(with.HasState);
        Assert.Equal("\"a\"", with.State);
    }

    [Fact]
    public async Task QueryEntities_TransientRows_IncludedOnlyWhenAsked()
    {
        await SetStateAsync(CounterA, "1");
        await SendAsync(Signal(CounterB));
        await LockAsync(CounterC, Caller("orch-1"));

        var standard = await QueryAllEntitiesAsync(new StoredEntityQuery { IncludeState = true });
        var all = await QueryAllEntitiesAsync(new StoredEntityQuery { IncludeTransient = true, IncludeState = true });

        Assert.Equal([CounterA], standard.Select(e => e.EntityId));
        Assert.Equal([CounterA, CounterB, CounterC], all.Select(e => e.EntityId));
        Assert.Equal([true, false, false], all.Select(e => e.HasState));
        Assert.Equal([0, 1, 0], all.Select(e => e.BacklogCount));
        Assert.Equal(Caller("orch-1"), all[2].LockHolder);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("p1.!!!")]
    public async Task QueryEntities_ForeignContinuationToken_ThrowsArgumentException(string token)
    {
        await SetStateAsync(CounterA, "1");

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.QueryEntitiesAsync(new StoredEntityQuery { ContinuationToken = token }, Ct));
    }

    [Fact]
    public async Task QueryEntities_TokenOfAnOrchestrationQuery_ThrowsArgumentException()
    {
        await CreateInstanceAsync("order-1");
        await CreateInstanceAsync("order-2");
        var instancePage = await Store.QueryInstancesAsync(new InstanceQuery { PageSize = 1 }, Ct);
        Assert.NotNull(instancePage.ContinuationToken);

        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => Store.QueryEntitiesAsync(new StoredEntityQuery { ContinuationToken = instancePage.ContinuationToken }, Ct));
    }

    [Fact]
    public async Task QueryEntities_PageSizeBelowOne_ThrowsArgumentOutOfRange()
    {
        await Assert.ThrowsAnyAsync<ArgumentOutOfRangeException>(() => Store.QueryEntitiesAsync(new StoredEntityQuery { PageSize = 0 }, Ct));
    }

    [Fact]
    public async Task EntitiesAndOrchestrations_NeverSeeEachOther()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Completed);
        await SetStateAsync(CounterA, "1");

        Assert.Equal(["order-1"], (await QueryAllAsync(new InstanceQuery())).Select(i => i.InstanceId));
        Assert.Equal([CounterA], (await QueryAllEntitiesAsync(new StoredEntityQuery { IncludeTransient = true })).Select(e => e.EntityId));
        Assert.Null(await Store.GetInstanceAsync(CounterA, includePayloads: true, Ct));
        Assert.Empty(await Store.GetHistoryAsync(CounterA, Ct));
        Assert.Equal(0, await Store.PurgeInstanceAsync(CounterA, recursive: true, Ct));
        Assert.Equal(1, await Store.PurgeInstancesAsync(new PurgeFilter(), Ct));
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        await Assert.ThrowsAsync<InstanceNotFoundException>(() => Store.SendMessageAsync(EventMessage(CounterA, "ping"), Ct));
    }
}
