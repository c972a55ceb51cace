using Microsoft.DurableTask;
using Microsoft.DurableTask.Converters;
using Microsoft.Extensions.Logging.Abstractions;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Tests;

/// <summary>
/// Drives one <see cref="OrchestrationRuntime"/> step by step the way the dispatcher does, without a store: every step's
/// delta is appended to <see cref="History"/>, so a fresh runtime can replay exactly what a store would have committed.
/// </summary>
/// <remarks>
/// Steps run on the calling thread (the test's), which the runtime marks as the step thread for the call. xunit runs
/// tests under its own <see cref="SynchronizationContext"/>; an await in orchestrator code would capture it and run the
/// continuation inline, around the <see cref="OrchestrationScheduler"/>. The dispatcher calls the runtime from a pool
/// thread that has none, so every call here goes through <see cref="WithoutSynchronizationContext"/> to match it.
/// </remarks>
internal sealed class RuntimeDriver
{
    public const string InstanceId = "instance-1";
    public const string ExecutionId = "execution-1";
    public const string OrchestratorName = "TestOrchestrator";

    /// <summary>The fixed time of the first step; later steps pass <c>T0 + offset</c>.</summary>
    public static readonly DateTimeOffset T0 = new(2025, 1, 15, 9, 0, 0, TimeSpan.Zero);

    private long _lastMessageId;

    public RuntimeDriver(ITaskOrchestrator orchestrator)
    {
        Runtime = Create(orchestrator);
    }

    public OrchestrationRuntime Runtime { get; }

    /// <summary>Everything the steps so far added to history, in order (what a store would hold).</summary>
    public List<HistoryEvent> History { get; } = [];

    public static OrchestrationRuntime Create(ITaskOrchestrator orchestrator) =>
        new(InstanceId, orchestrator, JsonDataConverter.Default, NullLoggerFactory.Instance);

    /// <summary>A fresh runtime that has replayed <paramref name="history"/> (a cache miss).</summary>
    public static OrchestrationRuntime Replayed(ITaskOrchestrator orchestrator, IReadOnlyList<HistoryEvent> history)
    {
        var runtime = Create(orchestrator);
        Replay(runtime, history);
        return runtime;
    }

    public static void Replay(OrchestrationRuntime runtime, IReadOnlyList<HistoryEvent> history) =>
        WithoutSynchronizationContext(() =>
        {
            runtime.Replay(history);
            return true;
        });

    public static StepOutput RunStep(OrchestrationRuntime runtime, DateTimeOffset now, IReadOnlyList<InstanceMessage> messages) =>
        WithoutSynchronizationContext(() => runtime.RunStep(now, messages));

    /// <summary>Runs <paramref name="call"/> with no <see cref="SynchronizationContext"/>, as the dispatcher's thread has.</summary>
    public static T WithoutSynchronizationContext<T>(Func<T> call)
    {
        var saved = SynchronizationContext.Current;
        SynchronizationContext.SetSynchronizationContext(null);
        try
        {
            return call();
        }
        finally
        {
            SynchronizationContext.SetSynchronizationContext(saved);
        }
    }

    public static string? Serialize(object? value) => value is null ? null : JsonDataConverter.Default.Serialize(value);

    public static T? Deserialize<T>(string? serialized) => serialized is null ? default : JsonDataConverter.Default.Deserialize<T>(serialized);

    public static ExecutionStartedEvent Started(object? input, string name = OrchestratorName, string executionId = ExecutionId) =>
        new() { Name = name, ExecutionId = executionId, Input = Serialize(input), Timestamp = T0 };

    public static TaskCompletedEvent Completed(int taskId, object? result) =>
        new() { TaskScheduledId = taskId, Result = Serialize(result), Timestamp = T0 };

    public static TaskFailedEvent Failed(int taskId, string message) =>
        new() { TaskScheduledId = taskId, Failure = new FailureDetails("System.InvalidOperationException", message), Timestamp = T0 };

    public static TimerFiredEvent Fired(int timerId, DateTimeOffset fireAt) =>
        new() { TimerId = timerId, FireAt = fireAt, Timestamp = fireAt };

    public static EventRaisedEvent Raised(string name, object? payload) =>
        new() { Name = name, Input = Serialize(payload), Timestamp = T0 };

    public static SubOrchestrationCompletedEvent SubCompleted(int taskId, object? result) =>
        new() { TaskScheduledId = taskId, Result = Serialize(result), Timestamp = T0 };

    public static EntityOperationCompletedEvent EntityCompleted(int taskId, object? result) =>
        new() { TaskScheduledId = taskId, Result = Serialize(result), Timestamp = T0 };

    public static EntityOperationFailedEvent EntityFailed(int taskId, FailureDetails failure) =>
        new() { TaskScheduledId = taskId, Failure = failure, Timestamp = T0 };

    public static EntityLockGrantedEvent Granted(int lockRequestId, params string[] lockSet) =>
        new() { TaskScheduledId = lockRequestId, LockSet = lockSet, Timestamp = T0 };

    /// <summary>Wraps an event as the next inbox message (ids grow in arrival order, as in a store).</summary>
    public InstanceMessage Message(HistoryEvent e, string? executionId = null) =>
        new() { InstanceId = InstanceId, ExecutionId = executionId, Event = e, MessageId = ++_lastMessageId };

    public StepOutput Start(object? input) => Step(T0, Started(input));

    public StepOutput Step(DateTimeOffset now, params HistoryEvent[] events) =>
        Deliver(now, [.. events.Select(e => Message(e))]);

    public void Replay(IReadOnlyList<HistoryEvent> history) => Replay(Runtime, history);

    public StepOutput Deliver(DateTimeOffset now, params InstanceMessage[] messages)
    {
        var step = RunStep(Runtime, now, messages);
        if (!step.NotStarted)
        {
            History.AddRange(step.NewEvents);
        }

        return step;
    }
}
