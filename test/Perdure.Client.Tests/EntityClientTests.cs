using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Perdure.Core.Entities;

namespace Perdure.Client.Tests;

/// <summary>The client's entity members over a store, with a hand-driven batch standing in for the worker.</summary>
public sealed class EntityClientTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    /// <summary>Claims the entity's messages and commits <paramref name="state"/> (and a lock holder) as a batch would.</summary>
    private static async Task CommitAsync(ClientHarness harness, string? state, EntityCaller? lockHolder = null)
    {
        var workItem = Assert.Single(await harness.Store.ClaimEntitiesAsync("test-worker", Lease, 10, CancellationToken.None));
        await harness.Store.CompleteEntityAsync(workItem, new EntityCheckpoint
        {
            State = state,
            LockHolder = lockHolder,
            ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
        }, CancellationToken.None);
    }

    [Fact]
    public async Task SignalEntity_PutsTheOperationAndItsSerializedInputIntoTheInbox()
    {
        await using var harness = new ClientHarness();

        await harness.Client.Entities.SignalEntityAsync(new EntityInstanceId("Counter", "a"), "add", 5);

        var workItem = Assert.Single(await harness.Store.ClaimEntitiesAsync("w", Lease, 10, CancellationToken.None));
        Assert.Equal("@counter@a", workItem.EntityId);
        var signal = Assert.IsType<EntitySignalMessage>(Assert.Single(workItem.Messages).Message);
        Assert.Equal("add", signal.Operation);
        Assert.Equal("5", signal.Input);
        Assert.Null(signal.Sender);
    }

    [Fact]
    public async Task SignalEntity_WithSignalTime_IsNotServedBeforeThen()
    {
        await using var harness = new ClientHarness();
        var at = harness.Time.GetUtcNow().AddMinutes(10);

        await harness.Client.Entities.SignalEntityAsync(
            new EntityInstanceId("counter", "a"), "reset", new SignalEntityOptions { SignalTime = at });

        Assert.Empty(await harness.Store.ClaimEntitiesAsync("w", Lease, 10, CancellationToken.None));
        harness.Time.SetUtcNow(at);
        Assert.Single(await harness.Store.ClaimEntitiesAsync("w", Lease, 10, CancellationToken.None));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public async Task SignalEntity_WithoutOperationName_IsRefusedAndSendsNothing(string operation)
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => harness.Client.Entities.SignalEntityAsync(new EntityInstanceId("counter", "a"), operation));

        Assert.Empty(await harness.Store.ClaimEntitiesAsync("w", Lease, 10, CancellationToken.None));
    }

    [Fact]
    public async Task SignalEntity_DefaultOrMalformedId_IsRefusedWithAClearMessage()
    {
        await using var harness = new ClientHarness();

        var empty = await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.Entities.SignalEntityAsync(default, "add"));
        var bad = await Assert.ThrowsAsync<ArgumentException>(
            () => harness.Client.Entities.SignalEntityAsync(new EntityInstanceId("counter", "a\u0001b"), "add"));

        Assert.Contains("new EntityInstanceId(name, key)", empty.Message, StringComparison.Ordinal);
        Assert.Contains("not a valid entity id", bad.Message, StringComparison.Ordinal);
        Assert.Empty(await harness.Store.ClaimEntitiesAsync("w", Lease, 10, CancellationToken.None));
    }

    [Fact]
    public async Task GetEntity_UnknownOrOnlyMessagesWaiting_ReturnsNull()
    {
        await using var harness = new ClientHarness();
        var id = new EntityInstanceId("counter", "a");
        Assert.Null(await harness.Client.Entities.GetEntityAsync(id));

        await harness.Client.Entities.SignalEntityAsync(id, "add", 1);

        Assert.Null(await harness.Client.Entities.GetEntityAsync(id));
    }

    [Fact]
    public async Task GetEntity_WithState_ReturnsStateAndMetadata()
    {
        await using var harness = new ClientHarness();
        var id = new EntityInstanceId("counter", "a");
        await harness.Client.Entities.SignalEntityAsync(id, "add", 1);
        await CommitAsync(harness, "42");
        await harness.Client.Entities.SignalEntityAsync(id, "add", 1);

        var untyped = await harness.Client.Entities.GetEntityAsync(id);
        var typed = await harness.Client.Entities.GetEntityAsync<int>(id);
        var withoutState = await harness.Client.Entities.GetEntityAsync(id, includeState: false);

        Assert.NotNull(untyped);
        Assert.Equal(42, untyped.State.ReadAs<int>());
        Assert.Equal(harness.Time.GetUtcNow(), untyped.LastModifiedTime);
        Assert.Equal(1, untyped.BacklogQueueSize);
        Assert.Null(untyped.LockedBy);
        Assert.Equal(42, typed!.State);
        Assert.Equal(id, typed.Id);
        Assert.False(withoutState!.IncludesState);
    }

    [Fact]
    public async Task GetEntity_Locked_ReportsTheLockHoldingOrchestration()
    {
        await using var harness = new ClientHarness();
        var id = new EntityInstanceId("account", "alice");
        await harness.Client.Entities.SignalEntityAsync(id, "deposit", 10);

        await CommitAsync(harness, "10", new EntityCaller("transfer-1", "e1", 3));

        Assert.Equal("transfer-1", (await harness.Client.Entities.GetEntityAsync(id))!.LockedBy);
    }

    [Fact]
    public async Task GetAllEntities_NamePrefixInAnyCase_PagesInIdOrder()
    {
        await using var harness = new ClientHarness();
        foreach (var key in new[] { "c", "a", "b" })
        {
            await harness.Client.Entities.SignalEntityAsync(new EntityInstanceId("counter", key), "add", 1);
            await CommitAsync(harness, "1");
        }

        await harness.Client.Entities.SignalEntityAsync(new EntityInstanceId("other", "x"), "add", 1);
        await CommitAsync(harness, "1");

        var pages = new List<IReadOnlyList<string>>();
        await foreach (var page in harness.Client.Entities.GetAllEntitiesAsync(new EntityQuery { InstanceIdStartsWith = "Counter@" }).AsPages(pageSizeHint: 2))
        {
            pages.Add([.. page.Values.Select(e => e.Id.Key)]);
        }

        Assert.Equal([["a", "b"], ["c"]], pages);
        var typed = await harness.Client.Entities.GetAllEntitiesAsync<int>(new EntityQuery { InstanceIdStartsWith = "@other" }).ToListAsync();
        Assert.Equal(1, Assert.Single(typed).State);
    }

    [Fact]
    public async Task GetAllEntities_TransientOnlyWhenAsked()
    {
        await using var harness = new ClientHarness();
        await harness.Client.Entities.SignalEntityAsync(new EntityInstanceId("counter", "waiting"), "add", 1);

        Assert.Empty(await harness.Client.Entities.GetAllEntitiesAsync().ToListAsync());
        var transient = Assert.Single(await harness.Client.Entities.GetAllEntitiesAsync(new EntityQuery { IncludeTransient = true }).ToListAsync());
        Assert.Equal("waiting", transient.Id.Key);
    }

    [Fact]
    public async Task CleanEntityStorage_ReleasesALockWhoseOrchestrationIsGone()
    {
        await using var harness = new ClientHarness();
        var id = new EntityInstanceId("account", "alice");
        await harness.Client.Entities.SignalEntityAsync(id, "deposit", 10);
        await CommitAsync(harness, "10", new EntityCaller("purged-orchestration", "e1", 3));

        var result = await harness.Client.Entities.CleanEntityStorageAsync();

        Assert.Equal(1, result.OrphanedLocksReleased);
        Assert.Null(result.ContinuationToken);
        Assert.Null((await harness.Client.Entities.GetEntityAsync(id))!.LockedBy);
    }

    [Theory]
    [InlineData("counter", "@counter")]
    [InlineData("@Counter", "@counter")]
    [InlineData("Counter@Key", "@counter@Key")]
    [InlineData("", null)]
    public void StorePrefix_LowerCasesTheNamePartOnly(string startsWith, string? expected) =>
        Assert.Equal(expected, PerdureEntityClient.ToStorePrefix(startsWith));
}
