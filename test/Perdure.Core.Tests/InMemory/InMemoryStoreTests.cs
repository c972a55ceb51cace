using Perdure.Core.History;
using Perdure.Core.InMemory;
using Perdure.Core.Storage;

namespace Perdure.Core.Tests.InMemory;

public sealed class InMemoryStoreTests
{
    [Theory]
    [InlineData("")]
    [InlineData("bad name")]
    public void Constructor_InvalidTaskHub_ThrowsArgumentException(string taskHub)
    {
        Assert.ThrowsAny<ArgumentException>(() => new InMemoryStore(taskHub));
    }

    [Fact]
    public void Constructor_ValidTaskHub_ExposesIt()
    {
        Assert.Equal("orders", new InMemoryStore("orders").TaskHub);
    }

    [Fact]
    public async Task WhenWorkAvailable_TakenAgainAfterASet_IsCompletedByTheNextSet()
    {
        var store = new InMemoryStore("orders");
        var first = store.WhenWorkAvailable(WorkItemKind.Orchestration);
        await store.CreateInstanceAsync(NewInstance("order-1"), CancellationToken.None);
        Assert.True(first.IsCompleted);

        var second = store.WhenWorkAvailable(WorkItemKind.Orchestration);
        Assert.False(second.IsCompleted);
        await store.CreateInstanceAsync(NewInstance("order-2"), CancellationToken.None);

        await second.WaitAsync(TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task WhenWorkAvailable_WorkWhileNobodyHoldsTheSignal_DoesNotSpendTheNextWakeUp()
    {
        // A set with no signal handed out makes no new one; the next taker still gets woken by the next change.
        var store = new InMemoryStore("orders");
        await store.CreateInstanceAsync(NewInstance("order-1"), CancellationToken.None);

        var signal = store.WhenWorkAvailable(WorkItemKind.Orchestration);
        Assert.Single(await store.ClaimOrchestrationsAsync("worker-1", TimeSpan.FromMinutes(1), 10, CancellationToken.None));
        Assert.False(signal.IsCompleted);
        await store.CreateInstanceAsync(NewInstance("order-2"), CancellationToken.None);

        await signal.WaitAsync(TimeSpan.FromSeconds(10));
    }

    private static NewInstance NewInstance(string instanceId) => new()
    {
        InstanceId = instanceId,
        Started = new ExecutionStartedEvent { Name = "Checkout", ExecutionId = "e-" + instanceId, Timestamp = DateTimeOffset.UnixEpoch },
    };
}
