using Microsoft.Extensions.Logging;
using Perdure.Core;
using Perdure.Core.Storage;

namespace Perdure.Engine.Dispatch;

/// <summary>
/// Claims work items of one kind while a concurrency slot is free and hands each to a processor. Idle, it sleeps until
/// the store signals new work, delayed work comes due, or the safety poll interval passes.
/// </summary>
internal sealed class WorkItemLoop<T>
    where T : class
{
    private readonly WorkItemKind _kind;
    private readonly IPerdureStore _store;
    private readonly int _concurrency;
    private readonly Func<int, CancellationToken, Task<IReadOnlyList<T>>> _claim;
    private readonly Func<T, Task> _process;
    private readonly TimeProvider _time;
    private readonly TimeSpan _safetyPoll;
    private readonly ILogger _logger;
    /// <summary>The most items one claim asks for.</summary>
    private const int MaxClaimBatch = 64;

    private readonly TaskCompletionSource _idle = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly WorkItemSlots _slots;
    private int _running = 1; // the loop itself counts until it stops claiming; so does each reservation while it is open
    private volatile bool _stopped;
    private readonly bool _yieldFirst;

    public WorkItemLoop(
        WorkItemKind kind, IPerdureStore store, int concurrency, Func<int, CancellationToken, Task<IReadOnlyList<T>>> claim,
        Func<T, Task> process, TimeProvider time, TimeSpan safetyPoll, ILogger logger, bool yieldFirst)
    {
        _yieldFirst = yieldFirst;
        _kind = kind;
        _store = store;
        _concurrency = Math.Max(1, concurrency);
        _slots = new WorkItemSlots(_concurrency);
        _claim = claim;
        _process = process;
        _time = time;
        _safetyPoll = safetyPoll;
        _logger = logger;
    }

    /// <remarks>
    /// With <c>yieldFirst</c> each item starts on a thread-pool thread; without it the processor runs inline until its
    /// first await, which suits processors that hand their work off at once.
    /// </remarks>
    /// <summary>Completes once the loop has stopped and every item it started has finished.</summary>
    public Task Idle => _idle.Task;

    /// <summary>Claims and dispatches until <paramref name="stopping"/> fires; items in flight go on (see <see cref="Idle"/>).</summary>
    public async Task RunAsync(CancellationToken stopping)
    {
        var slots = _slots;
        using var stoppingRegistration = stopping.UnsafeRegister(static s => ((WorkItemSlots)s!).Wake(), slots);
        var claimFailures = 0;
        var lastClaimFull = false;
        while (!stopping.IsCancellationRequested)
        {
            if (!slots.TryTake())
            {
                var freed = slots.WhenFreeAsync();

                // A stop between the loop's check and the wait above found no waiter to wake; one after this check does.
                if (stopping.IsCancellationRequested)
                {
                    break;
                }

                await freed.ConfigureAwait(false);
                continue;
            }

            // Claim as many items as there are free slots (bounded), in one store round trip.
            var free = 1;
            while (free < MaxClaimBatch && slots.TryTake())
            {
                free++;
            }

            var signal = _store.WhenWorkAvailable(_kind);

            // When the last claim was not full, this one may be the last before a sleep: read when work is next due first,
            // then claim. Work that falls due after the read is in the due time; work that fell due before the claim is
            // claimed (or its commit sets the signal taken above). Read after the claim, work falling due between the two
            // would be in neither, and wait for the safety poll.
            var wait = _safetyPoll;
            var dueRead = !lastClaimFull;
            if (dueRead)
            {
                try
                {
                    if (await _store.GetNextWorkDueAsync(_kind, stopping).ConfigureAwait(false) is { } due)
                    {
                        var untilDue = UntilDue(due - _time.GetUtcNow());
                        wait = untilDue < wait ? untilDue : wait;
                    }
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    slots.Release(free);
                    break;
                }
                catch (Exception ex)
                {
                    // Not knowing the next due time only costs precision: sleep until a signal or the safety poll.
                    Log.NextDueError(_logger, ex, _kind.ToString(), wait);
                }
            }

            IReadOnlyList<T> items;
            try
            {
                items = await _claim(free, stopping).ConfigureAwait(false);
                claimFailures = 0;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                slots.Release(free);
                break;
            }
            catch (Exception ex)
            {
                slots.Release(free);
                var backoff = TimeSpan.FromMilliseconds(Math.Min(100 * Math.Pow(2, claimFailures++), _safetyPoll.TotalMilliseconds));
                Log.ClaimError(_logger, ex, _kind.ToString(), backoff);
                await SleepAsync(Task.Delay(Timeout.Infinite, stopping), backoff, stopping).ConfigureAwait(false);
                continue;
            }

            if (free > items.Count)
            {
                slots.Release(free - items.Count);
            }

            foreach (var item in items)
            {
                Interlocked.Increment(ref _running);
                _ = ProcessAsync(item, slots);
            }

            // A full claim may have left more behind: claim again at once. After a partial claim whose due time was not
            // read first, go round once more to read it before claiming. Otherwise the claim took everything claimable at
            // its moment; whatever became claimable since has set the signal, so the wait below returns at once.
            lastClaimFull = items.Count == free;
            if (lastClaimFull || !dueRead)
            {
                continue;
            }

            if (wait > TimeSpan.Zero)
            {
                await SleepAsync(signal, wait, stopping).ConfigureAwait(false);
            }
        }

        // Before the loop's own count goes: a reservation that saw the loop running holds Idle open (both sides fence).
        _stopped = true;
        Exit();
    }

    /// <summary>Whether the loop has stopped claiming; items claimed elsewhere should then not be started either.</summary>
    public bool Stopped => _stopped;

    /// <summary>
    /// Takes up to <paramref name="max"/> free slots for items claimed elsewhere (an orchestration step's own activity
    /// calls, leased to this worker as the step commits). Returns how many it took: none once the loop has stopped. Every
    /// reservation must end in one <see cref="StartReserved"/>, which also keeps <see cref="Idle"/> open until then.
    /// </summary>
    public int TryReserve(int max)
    {
        if (max < 1)
        {
            return 0;
        }

        Interlocked.Increment(ref _running);
        if (_stopped)
        {
            Exit();
            return 0;
        }

        var reserved = 0;
        while (reserved < max && _slots.TryTake())
        {
            reserved++;
        }

        if (reserved == 0)
        {
            Exit();
        }

        return reserved;
    }

    /// <summary>
    /// Ends a reservation of <paramref name="reserved"/> slots (see <see cref="TryReserve"/>): processes
    /// <paramref name="items"/> (at most that many) in them and gives the rest back.
    /// </summary>
    public void StartReserved(int reserved, IReadOnlyList<T> items)
    {
        if (reserved == 0)
        {
            return;
        }

        var start = Math.Min(items.Count, reserved);
        if (reserved > start)
        {
            _slots.Release(reserved - start);
        }

        for (var i = 0; i < start; i++)
        {
            Interlocked.Increment(ref _running);
            _ = ProcessAsync(items[i], _slots);
        }

        Exit(); // the reservation's own count
    }

    private async Task ProcessAsync(T item, WorkItemSlots slots)
    {
        try
        {
            if (_yieldFirst)
            {
                // User code may run synchronously for long; it must not hold up the claim loop.
                await Task.Yield();
            }

            await _process(item).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Processors handle their own failures; anything that escapes is logged, never lost in a task nobody awaits.
            Log.ProcessError(_logger, ex, _kind.ToString());
        }
        finally
        {
            slots.Release();
            Exit();
        }
    }

    private void Exit()
    {
        if (Interlocked.Decrement(ref _running) == 0)
        {
            _idle.TrySetResult();
        }
    }

    /// <summary>
    /// How long to sleep until work due in <paramref name="untilDue"/>: a whole millisecond more than asked. Timers round a
    /// wait down to whole milliseconds and can fire a little before the clock reaches the due time; a claim made then
    /// finds nothing, and the next-due read, which looks only past now (so that work it cannot claim yet does not make it
    /// spin), no longer sees the work either, which would then wait for the safety poll.
    /// </summary>
    internal static TimeSpan UntilDue(TimeSpan untilDue) =>
        untilDue <= TimeSpan.Zero ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Ceiling(untilDue.TotalMilliseconds) + 1);

    private async Task SleepAsync(Task signal, TimeSpan wait, CancellationToken stopping)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var delay = Task.Delay(wait, _time, cts.Token);
        await Task.WhenAny(signal, delay).ConfigureAwait(false);
        await cts.CancelAsync().ConfigureAwait(false);
    }
}
