namespace Perdure.Engine.Dispatch;

/// <summary>
/// The free concurrency slots of one <see cref="WorkItemLoop{T}"/>: the loop takes them for its claims, reservations take
/// them for items claimed elsewhere (<see cref="WorkItemLoop{T}.TryReserve"/>), and the items started in them give them back. Lock-free; only a wait for a slot allocates (one task completion source).
/// </summary>
/// <remarks>
/// A <see cref="SemaphoreSlim"/> served here before: its lock was contended by every finishing item and the loop, and each
/// wait for a slot cost a cancellable waiter, about 300 bytes per item. The loop still continues on the thread pool after
/// a wait, as it did then: slots given back while it is on its way are claimed together, which keeps claims batched on
/// stores where a claim is a round trip.
/// </remarks>
internal sealed class WorkItemSlots
{
    private int _free;
    private TaskCompletionSource? _waiter;

    public WorkItemSlots(int count) => _free = count;

    /// <summary>Takes a free slot if there is one.</summary>
    public bool TryTake()
    {
        var free = Volatile.Read(ref _free);
        while (free > 0)
        {
            var seen = Interlocked.CompareExchange(ref _free, free - 1, free);
            if (seen == free)
            {
                return true;
            }

            free = seen;
        }

        return false;
    }

    /// <summary>Gives slots back and wakes the loop if it waits for one.</summary>
    public void Release(int count = 1)
    {
        Interlocked.Add(ref _free, count);
        Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
    }

    /// <summary>
    /// Completes when a slot is free, or <see cref="Wake"/> is called; at once if a slot is free now. One waiter at a time
    /// (the loop).
    /// </summary>
    public Task WhenFreeAsync()
    {
        if (Volatile.Read(ref _free) > 0)
        {
            return Task.CompletedTask;
        }

        var waiter = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Interlocked.Exchange(ref _waiter, waiter);

        // A release between the check above and the exchange did not see this waiter, but its count is visible now
        // (both sides use full fences).
        if (Volatile.Read(ref _free) > 0)
        {
            Wake();
        }

        return waiter.Task;
    }

    /// <summary>Completes a pending <see cref="WhenFreeAsync"/> without a slot (the loop is stopping).</summary>
    public void Wake() => Interlocked.Exchange(ref _waiter, null)?.TrySetResult();
}
