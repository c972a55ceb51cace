namespace Perdure.Engine.Replay;

/// <summary>
/// The single-threaded, deterministic task scheduler an orchestrator runs on. Continuations are queued and run one at a
/// time, in order, by <see cref="Drain"/> on the thread that executes the step; nothing is ever inlined.
/// </summary>
/// <remarks>
/// A continuation queued from any other thread can only come from a task that completed outside the engine (a
/// <c>Task.Delay</c>, <c>Task.Run</c> or real I/O awaited by the orchestrator). Such a continuation is not run: it is
/// recorded as misuse, and the step fails with a message that says what to use instead.
/// </remarks>
internal sealed class OrchestrationScheduler : TaskScheduler
{
    private readonly Queue<Task> _queue = new();
    private readonly Lock _gate = new();
    private int _ownerThreadId = -1;
    private volatile bool _foreignContinuation;

    /// <summary>Whether a continuation arrived from a thread other than the step's (misuse).</summary>
    public bool SawForeignContinuation => _foreignContinuation;

    /// <summary>Whether the calling thread is the one currently executing a step.</summary>
    public bool IsOnStepThread => Volatile.Read(ref _ownerThreadId) == Environment.CurrentManagedThreadId;

    /// <summary>Marks the calling thread as the step's thread until <see cref="EndStep"/>.</summary>
    public void BeginStep() => Volatile.Write(ref _ownerThreadId, Environment.CurrentManagedThreadId);

    /// <summary>Ends the step; any continuation queued from now on until the next step is foreign.</summary>
    public void EndStep() => Volatile.Write(ref _ownerThreadId, -1);

    /// <summary>Runs queued continuations until the queue is empty.</summary>
    public void Drain()
    {
        while (true)
        {
            Task? next;
            lock (_gate)
            {
                if (!_queue.TryDequeue(out next))
                {
                    return;
                }
            }

            TryExecuteTask(next);
        }
    }

    /// <inheritdoc/>
    protected override void QueueTask(Task task)
    {
        if (!IsOnStepThread)
        {
            // Completed outside the orchestration: never run it, it would make replay nondeterministic.
            _foreignContinuation = true;
            return;
        }

        lock (_gate)
        {
            _queue.Enqueue(task);
        }
    }

    /// <inheritdoc/>
    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) => false;

    /// <inheritdoc/>
    protected override IEnumerable<Task> GetScheduledTasks()
    {
        lock (_gate)
        {
            return [.. _queue];
        }
    }
}
