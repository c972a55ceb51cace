using Perdure.Core.History;

namespace Perdure.Core;

/// <summary>The kinds of work a worker claims.</summary>
public enum WorkItemKind
{
    /// <summary>An orchestration step.</summary>
    Orchestration,

    /// <summary>An activity call.</summary>
    Activity,

    /// <summary>A batch of operations on one durable entity.</summary>
    Entity,
}

/// <summary>A lease on a work item: who holds it and until when.</summary>
/// <param name="LockedBy">The worker that holds it.</param>
/// <param name="LockExpiration">When the lease runs out unless renewed.</param>
public sealed record Lease(string LockedBy, DateTimeOffset LockExpiration);

/// <summary>An orchestration instance claimed for one step, with the messages the step may consume.</summary>
public sealed class OrchestrationWorkItem
{
    /// <summary>Creates a work item.</summary>
    public OrchestrationWorkItem(InstanceState instance, IReadOnlyList<InstanceMessage> messages, int historyLength, Lease lease)
    {
        Instance = instance;
        Messages = messages;
        HistoryLength = historyLength;
        Lease = lease;
    }

    /// <summary>The instance row as it was when claimed (payloads included).</summary>
    public InstanceState Instance { get; }

    /// <summary>The visible messages in arrival order.</summary>
    public IReadOnlyList<InstanceMessage> Messages { get; }

    /// <summary>How many events the current execution's history holds; the next event's sequence number.</summary>
    public int HistoryLength { get; }

    /// <summary>The lease; <see cref="Storage.IPerdureStore.RenewOrchestrationLeaseAsync"/> replaces it.</summary>
    public Lease Lease { get; set; }

    /// <summary>
    /// The current execution's history (<see cref="HistoryLength"/> events), when the store read it with the claim; null
    /// when it did not, and the engine reads it with <see cref="Storage.IPerdureStore.GetHistoryAsync"/> if it has no
    /// cached copy. A store that runs many workers attaches it when the claiming worker probably has no copy (another
    /// worker ran the last step), so a cache miss costs no second round trip.
    /// </summary>
    public IReadOnlyList<HistoryEvent>? History { get; init; }

    /// <summary>The instance id.</summary>
    public string InstanceId => Instance.InstanceId;
}

/// <summary>An activity call claimed for execution.</summary>
public sealed class ActivityWorkItem
{
    /// <summary>Creates a work item.</summary>
    public ActivityWorkItem(long taskId, string instanceId, string executionId, TaskScheduledEvent scheduled, Lease lease)
    {
        TaskId = taskId;
        InstanceId = instanceId;
        ExecutionId = executionId;
        Scheduled = scheduled;
        Lease = lease;
    }

    /// <summary>The store's id for this activity task.</summary>
    public long TaskId { get; }

    /// <summary>The orchestration that called it.</summary>
    public string InstanceId { get; }

    /// <summary>The execution that called it; the result goes back to it.</summary>
    public string ExecutionId { get; }

    /// <summary>The call: name, version, input and task id.</summary>
    public TaskScheduledEvent Scheduled { get; }

    /// <summary>The lease; renewing replaces it.</summary>
    public Lease Lease { get; set; }

    /// <summary>Checks that <paramref name="result"/> is what an activity completes with: TaskCompleted or TaskFailed.</summary>
    /// <exception cref="ArgumentException">It is another event.</exception>
    public static void EnsureResult(HistoryEvent result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result is not (TaskCompletedEvent or TaskFailedEvent))
        {
            throw new ArgumentException($"An activity result must be TaskCompleted or TaskFailed, not {result.EventType}.", nameof(result));
        }
    }
}

/// <summary>An activity call to enqueue as part of a checkpoint.</summary>
/// <param name="InstanceId">The calling instance.</param>
/// <param name="ExecutionId">The calling execution.</param>
/// <param name="Scheduled">The call.</param>
public sealed record ActivityTask(string InstanceId, string ExecutionId, TaskScheduledEvent Scheduled);

/// <summary>
/// Asks a checkpoint's store to lease the first <paramref name="Count"/> of the step's activity calls to the committing
/// worker for <paramref name="Duration"/> (from the store's clock), and to return them as work items (see
/// <see cref="OrchestrationCheckpoint.LeaseActivities"/>).
/// </summary>
/// <param name="Count">How many of the first activity calls to lease: at least 1, at most the step's calls.</param>
/// <param name="Duration">The lease duration: positive.</param>
public sealed record ActivityLeaseRequest(int Count, TimeSpan Duration)
{
    /// <summary>How many activity calls <paramref name="checkpoint"/> asks its store to lease: 0 when it asks for none.</summary>
    /// <exception cref="ArgumentException">The request asks for fewer than 1 call, more calls than the step makes, or a
    /// lease duration that is not positive.</exception>
    public static int CountOf(OrchestrationCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        if (checkpoint.LeaseActivities is not { } request)
        {
            return 0;
        }

        if (request.Count < 1 || request.Count > checkpoint.ActivityTasks.Count)
        {
            throw new ArgumentException(
                $"The checkpoint asks to lease {request.Count} activity calls, but it makes {checkpoint.ActivityTasks.Count}: " +
                "ask for at least 1 and at most as many as it makes, or for none (null).", nameof(checkpoint));
        }

        if (request.Duration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The checkpoint asks to lease activity calls for {request.Duration}; the duration must be positive.", nameof(checkpoint));
        }

        return request.Count;
    }
}

/// <summary>What <see cref="Storage.IPerdureStore.CompleteActivityWithStepAsync"/> did.</summary>
/// <param name="Committed">True if the step was committed; false if the activity's result went to the inbox instead and
/// the step was dropped.</param>
/// <param name="LeasedActivities">The activity calls of the step leased to the worker (see
/// <see cref="OrchestrationCheckpoint.LeaseActivities"/>), in call order; empty when the step was not committed.</param>
public sealed record LocalStepResult(bool Committed, IReadOnlyList<ActivityWorkItem> LeasedActivities)
{
    /// <summary>The result of a step that was not committed.</summary>
    public static LocalStepResult NotCommitted { get; } = new(false, []);
}

/// <summary>
/// An orchestration step a worker ran ahead on the state it caches, without claiming the instance: the result of one of
/// the instance's activities applied to the instance as the worker last committed it. The store commits it only if the
/// instance is still exactly in that state (see <see cref="Storage.IPerdureStore.CompleteActivityWithStepAsync"/>).
/// </summary>
/// <param name="Instance">The instance row the step ran against (payloads included): the one the worker's last step committed.</param>
/// <param name="HistoryLength">The length of the current execution's history the step ran against.</param>
/// <param name="Checkpoint">What the step commits. It consumes no stored message: its one new message, the activity
/// result, never enters the inbox.</param>
public sealed record LocalStep(InstanceState Instance, int HistoryLength, OrchestrationCheckpoint Checkpoint)
{
    /// <summary>Checks that this step follows <paramref name="workItem"/>: same instance and execution, no stored message consumed.</summary>
    /// <exception cref="ArgumentException">It does not.</exception>
    public void EnsureFollows(ActivityWorkItem workItem)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        if (!string.Equals(Instance.InstanceId, workItem.InstanceId, StringComparison.Ordinal)
            || !string.Equals(Instance.ExecutionId, workItem.ExecutionId, StringComparison.Ordinal)
            || !string.Equals(Checkpoint.ExecutionId, workItem.ExecutionId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The local step is for '{Instance.InstanceId}' execution '{Checkpoint.ExecutionId}', but the activity " +
                $"(task {workItem.TaskId}) belongs to '{workItem.InstanceId}' execution '{workItem.ExecutionId}'.", nameof(workItem));
        }

        if (Checkpoint.ConsumedMessageIds.Count > 0)
        {
            throw new ArgumentException(
                $"A local step of '{Instance.InstanceId}' must not consume stored messages; it consumes {Checkpoint.ConsumedMessageIds.Count}.",
                nameof(workItem));
        }
    }
}
