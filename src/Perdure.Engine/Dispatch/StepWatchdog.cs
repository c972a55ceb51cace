using System.Collections.Concurrent;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Dispatch;

/// <summary>
/// Runs orchestration steps on thread-pool threads and gives up on any that runs longer than the deadlock timeout.
/// One timer serves all steps, so a step costs one queued work item and no timer of its own; the work item carries the
/// step's arguments itself (no closure).
/// </summary>
internal sealed class StepWatchdog : IDisposable
{
    private readonly ConcurrentDictionary<RunningStep, byte> _running = new(ReferenceEqualityComparer.Instance);
    private readonly long _timeoutMs;
    private readonly Timer _timer;

    public StepWatchdog(TimeSpan timeout)
    {
        _timeoutMs = Math.Max(1, (long)timeout.TotalMilliseconds);
        var period = TimeSpan.FromMilliseconds(Math.Clamp(_timeoutMs / 4, 5, 1000));
        _timer = new Timer(static state => ((StepWatchdog)state!).Check(), this, period, period);
    }

    /// <summary>
    /// Runs <see cref="OrchestrationDispatcher.ReplayAndRunStep"/> on the thread pool; the task yields null if it exceeds
    /// the timeout.
    /// </summary>
    public Task<StepOutput?> RunAsync(
        OrchestrationRuntime runtime, IReadOnlyList<HistoryEvent>? history, IReadOnlyList<InstanceMessage> messages, DateTimeOffset now)
    {
        var running = new RunningStep(this, runtime, history, messages, now);
        _running.TryAdd(running, 0);
        ThreadPool.UnsafeQueueUserWorkItem(running, preferLocal: false);
        return running.Task;
    }

    public void Dispose() => _timer.Dispose();

    private void Check()
    {
        var now = Environment.TickCount64;
        foreach (var running in _running.Keys)
        {
            if (now - running.StartedAt > _timeoutMs && _running.TryRemove(running, out _))
            {
                // Completed off the timer thread: the waiting dispatcher continues inline and does I/O.
                ThreadPool.UnsafeQueueUserWorkItem(static r => r.TrySetResult(null), running, preferLocal: false);
            }
        }
    }

    private sealed class RunningStep(
        StepWatchdog owner, OrchestrationRuntime runtime, IReadOnlyList<HistoryEvent>? history, IReadOnlyList<InstanceMessage> messages,
        DateTimeOffset now) : TaskCompletionSource<StepOutput?>, IThreadPoolWorkItem
    {
        public long StartedAt { get; } = Environment.TickCount64;

        public void Execute()
        {
            StepOutput output;
            try
            {
                output = OrchestrationDispatcher.ReplayAndRunStep(runtime, history, messages, now);
            }
            catch (Exception ex)
            {
                owner._running.TryRemove(this, out _);
                TrySetException(ex);
                return;
            }

            owner._running.TryRemove(this, out _);
            TrySetResult(output);
        }
    }
}
