using Perdure.Engine.Dispatch;

namespace Perdure.Engine.Tests;

/// <summary>The free slots of a work item loop: taken by the loop, given back by its items, waited for when all are taken.</summary>
public sealed class WorkItemSlotsTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [Fact]
    public void TryTake_AllTaken_ReturnsFalseUntilOneIsGivenBack()
    {
        var slots = new WorkItemSlots(2);

        Assert.True(slots.TryTake());
        Assert.True(slots.TryTake());
        Assert.False(slots.TryTake());
        slots.Release();
        Assert.True(slots.TryTake());
    }

    [Fact]
    public async Task WhenFreeAsync_AllTaken_CompletesWhenASlotIsGivenBack()
    {
        var slots = new WorkItemSlots(1);
        Assert.True(slots.TryTake());

        var freed = slots.WhenFreeAsync();
        Assert.False(freed.IsCompleted);
        slots.Release();

        await freed.WaitAsync(Bound);
        Assert.True(slots.TryTake());
    }

    [Fact]
    public void WhenFreeAsync_SlotFree_CompletesAtOnce()
    {
        var slots = new WorkItemSlots(1);

        Assert.True(slots.WhenFreeAsync().IsCompleted);
    }

    [Fact]
    public async Task Wake_WhileWaiting_CompletesTheWaitWithoutASlot()
    {
        var slots = new WorkItemSlots(1);
        Assert.True(slots.TryTake());
        var freed = slots.WhenFreeAsync();

        slots.Wake();

        await freed.WaitAsync(Bound);
        Assert.False(slots.TryTake());
    }

    [Fact]
    public async Task ReleaseMany_FreesThatManySlots()
    {
        var slots = new WorkItemSlots(3);
        Assert.True(slots.TryTake());
        Assert.True(slots.TryTake());
        Assert.True(slots.TryTake());
        var freed = slots.WhenFreeAsync();

        slots.Release(2);

        await freed.WaitAsync(Bound);
        Assert.True(slots.TryTake());
        Assert.True(slots.TryTake());
        Assert.False(slots.TryTake());
    }
}
