using Microsoft.DurableTask.Worker;
using Perdure.Core;
using Perdure.Core.Storage;

namespace Perdure.Engine;

/// <summary>Options of a <see cref="PerdureWorker"/>: the SDK's worker options plus Perdure's engine settings.</summary>
public sealed class PerdureWorkerOptions : DurableTaskWorkerOptions
{
    /// <summary>The task hub the worker serves. Work of other task hubs in the same store is invisible to it.</summary>
    public string TaskHub { get; set; } = TaskHubName.Default;

    /// <summary>
    /// Creates (or finds) the store for a task hub. Set by the <c>Use…()</c> extension that picks the store; a worker and
    /// a client that name the same store and task hub get the same instance.
    /// </summary>
    public Func<IServiceProvider, string, IPerdureStore>? StoreFactory { get; set; }

    /// <summary>A name for this worker in leases (<c>LockedBy</c>) and logs. Defaults to machine, process and a random suffix.</summary>
    public string? WorkerId { get; set; }

    /// <summary>How long a claimed work item is leased before another worker may take it; renewed while work runs.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How many live orchestrations the sticky cache keeps between steps. A cached orchestration's next step replays
    /// nothing; a miss replays its whole history. Zero turns the cache off.
    /// </summary>
    public int CacheCapacity { get; set; } = 10_000;

    /// <summary>How long one orchestration step may run before it is declared stuck (blocking code in an orchestrator).</summary>
    public TimeSpan DeadlockTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How many times in a row a step may hit <see cref="DeadlockTimeout"/> before the instance fails with an
    /// <see cref="OrchestratorMisuseException"/>. Earlier attempts are abandoned and retried with back-off.
    /// </summary>
    public int MaxDeadlockedAttempts { get; set; } = 3;

    /// <summary>The longest a dispatcher sleeps without a signal before it looks for work anyway (a safety net).</summary>
    public TimeSpan SafetyPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long stopping the worker waits for in-flight activities before it abandons them.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The most operations one entity batch runs. A batch commits its operations' state, answers and signals together;
    /// larger batches mean fewer commits under load, smaller ones shorter waits for the messages behind them.
    /// </summary>
    public int MaxEntityBatchSize { get; set; } = 100;

    /// <summary>The longest back-off before a failing work item is retried.</summary>
    public TimeSpan MaxRetryBackoff { get; set; } = TimeSpan.FromMinutes(1);
}
