using Microsoft.Extensions.Logging.Abstractions;
using Perdure.Core;
using Perdure.Core.InMemory;
using Perdure.Engine.Dispatch;

namespace Perdure.Engine.Tests;

/// <summary>
/// Slots reserved for items claimed elsewhere (an orchestration step's own activity calls, leased as the step commits):
/// never more than are free, none once the loop has stopped, and the loop is not idle while a reservation is open.
/// </summary>
public sealed class WorkItemLoopReservationTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private readonly Dictionary<string, TaskCompletionSource> _running = [];

    /// <summary>
    /// A loop over an empty in-memory store whose items run until <see cref="Finish"/> is called for them, except items
    /// named "done…", which finish at once (synchronously, so their slot is back when StartReserved returns).
    /// </summary>
    private WorkItemLoop<string> NewLoop(int concurrency) =>
        new(
            WorkItemKind.Activity,
            new InMemoryStore("reservations"),
            concurrency,
            (_, _) => Task.FromResult<IReadOnlyList<string>>([]),
            item =>
            {
                if (item.StartsWith("done", StringComparison.Ordinal))
                {
                    return Task.CompletedTask;
                }

                lock (_running)
                {
                    return (_running[item] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
            },
            TimeProvider.System,
            TimeSpan.FromMinutes(1),
            NullLogger.Instance,
            yieldFirst: false);

    private void Finish(string item)
    {
        lock (_running)
        {
            _running[item].SetResult();
        }
    }

    [Fact]
    public void TryReserve_TakesNoMoreThanTheFreeSlots()
    {
        var loop = NewLoop(concurrency: 3);

        Assert.Equal(2, loop.TryReserve(2));
        Assert.Equal(1, loop.TryReserve(5));
        Assert.Equal(0, loop.TryReserve(1));
    }

    [Fact]
    public void StartReserved_RunsTheItemsInTheirSlotsAndGivesTheRestBack()
    {
        var loop = NewLoop(concurrency: 3);
        var reserved = loop.TryReserve(3);

        loop.StartReserved(reserved, ["a", "done-b"]);

        Assert.Equal(2, loop.TryReserve(3));
        loop.StartReserved(2, []);
        lock (_running)
        {
            Assert.Equal(["a"], _running.Keys);
        }

        Finish("a");
    }

    [Fact]
    public async Task TryReserve_LoopStopped_ReservesNothing()
    {
        var loop = NewLoop(concurrency: 3);
        using var stop = new CancellationTokenSource();
        await stop.CancelAsync();

        await loop.RunAsync(stop.Token).WaitAsync(Bound);

        Assert.True(loop.Stopped);
        Assert.Equal(0, loop.TryReserve(3));
        await loop.Idle.WaitAsync(Bound);
    }

    [Fact]
    public async Task Idle_WaitsForAnOpenReservationAndTheItemsItStarts()
    {
        var loop = NewLoop(concurrency: 3);
        using var stop = new CancellationTokenSource();
        var running = loop.RunAsync(stop.Token);
        var reserved = loop.TryReserve(1);
        await stop.CancelAsync();
        await running.WaitAsync(Bound);

        Assert.Equal(1, reserved);
        Assert.False(loop.Idle.IsCompleted);
        loop.StartReserved(reserved, ["a"]);
        Assert.False(loop.Idle.IsCompleted);
        Finish("a");
        await loop.Idle.WaitAsync(Bound);
    }
}
