using Microsoft.Data.Sqlite;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Storage.Sqlite.Data;
using Perdure.Storage.Sqlite.Writer;
using Perdure.Core.Storage;

namespace Perdure.Storage.Sqlite;

// Work items: claims, lease renewals, checkpoints, activity completions and abandons. Every lease check is part of the
// statement that writes (a WHERE on LockedBy and LockExpiration), so the check and the write are one atomic step even
// with several processes on the file; zero rows changed means the lease was lost and the request writes nothing.
public sealed partial class SqliteStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One writer request claims them all: Instances (claim), InstancePayloads and Messages (read), repeated per instance.
    /// </remarks>
    public async Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var claimed = await WriteAsync(durable: false, context =>
        {
            var items = new List<ClaimedOrchestration>();
            while (items.Count < maxCount && ClaimOrchestration(context, lockedBy, leaseDuration) is { } item)
            {
                items.Add(item);
            }

            return items;
        }, cancellationToken).ConfigureAwait(false);

        // Events are parsed here, on the caller's thread, so the writer spends its time on SQL only.
        return claimed.ConvertAll(c => new OrchestrationWorkItem(
            c.Instance,
            c.Messages.ConvertAll(m => new InstanceMessage
            {
                InstanceId = c.Instance.InstanceId,
                ExecutionId = m.ExecutionId,
                Event = StoredJson.DeserializeEvent(m.Event),
                VisibleAt = m.VisibleAt,
                MessageId = m.MessageId,
            }),
            c.HistoryLength,
            c.Lease));
    }

    /// <inheritdoc/>
    public async Task RenewOrchestrationLeaseAsync(OrchestrationWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var held = workItem.Lease;
        workItem.Lease = await WriteAsync(durable: false, context =>
        {
            var renewed = held with { LockExpiration = context.Now + leaseDuration };
            var changed = context.Command("Orchestrations/Renew")
                .With("@InstanceId", workItem.InstanceId)
                .With("@LockedBy", held.LockedBy)
                .With("@LockExpiration", held.LockExpiration)
                .With("@NewLockExpiration", renewed.LockExpiration)
                .ExecuteNonQuery();
            return changed == 1 ? renewed : throw OrchestrationLockLost(workItem.InstanceId, held);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Transaction, in this order: Instances (state and lease release, the lease check), InstancePayloads (only when a
    /// payload changed), History, Messages (consumed ones deleted), ActivityTasks and ActivityTaskEvents, the
    /// sub-orchestrations (Instances, InstancePayloads, Messages), outbound Messages with their targets' Instances rows,
    /// entity messages (Entities, EntityMessages; only when the step sends some), and last this instance's Instances row
    /// again (ReadyAt from what is left in its inbox). Entity messages are checked before anything reaches the writer.
    /// </remarks>
    public Task<IReadOnlyList<ActivityWorkItem>> CompleteOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(checkpoint.Instance);
        var step = new PreparedCheckpoint(workItem.Instance, workItem.HistoryLength, workItem.Lease, checkpoint, workItem.Lease.LockedBy);
        return WriteAsync<IReadOnlyList<ActivityWorkItem>>(durable: true, context =>
            Checkpoint(context, step) ?? throw OrchestrationLockLost(workItem.InstanceId, workItem.Lease), cancellationToken);
    }

    /// <inheritdoc/>
    public Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var held = workItem.Lease;
        return WriteAsync(durable: false, context =>
        {
            var changed = context.Command("Orchestrations/Abandon")
                .With("@InstanceId", workItem.InstanceId)
                .With("@LockedBy", held.LockedBy)
                .With("@LockExpiration", held.LockExpiration)
                .With("@NotBefore", retryAfter > TimeSpan.Zero ? context.Now + retryAfter : null)
                .ExecuteNonQuery();
            if (changed != 1)
            {
                throw OrchestrationLockLost(workItem.InstanceId, held);
            }

            context.Effects.OrchestrationWork = true;
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>One writer request and one statement claim them all: ActivityTasks (claim), ActivityTaskEvents (read).</remarks>
    public async Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var claimed = await WriteAsync(durable: false, context =>
        {
            var items = new List<ClaimedActivity>();
            var lease = new Lease(lockedBy, context.Now + leaseDuration);
            using var reader = context.Command("Activities/Claim")
                .With("@LockedBy", lockedBy)
                .With("@LockExpiration", lease.LockExpiration)
                .With("@Now", context.Now)
                .With("@MaxCount", maxCount)
                .ExecuteReader();
            while (reader.Read())
            {
                items.Add(new ClaimedActivity(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), lease));
            }

            return items;
        }, cancellationToken).ConfigureAwait(false);

        return claimed.ConvertAll(c =>
        {
            var scheduled = StoredJson.DeserializeEvent(c.Event) as TaskScheduledEvent
                ?? throw new InvalidDataException($"Activity task {c.TaskId} of '{c.InstanceId}' does not hold a TaskScheduled event.");
            return new ActivityWorkItem(c.TaskId, c.InstanceId, c.ExecutionId, scheduled, c.Lease);
        });
    }

    /// <inheritdoc/>
    public async Task RenewActivityLeaseAsync(ActivityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var held = workItem.Lease;
        workItem.Lease = await WriteAsync(durable: false, context =>
        {
            var renewed = held with { LockExpiration = context.Now + leaseDuration };
            var changed = ActivityCommand(context, "Activities/Renew", workItem, held)
                .With("@NewLockExpiration", renewed.LockExpiration)
                .ExecuteNonQuery();
            return changed == 1 ? renewed : throw ActivityLockLost(workItem, held);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: ActivityTasks (delete, the lease check; ActivityTaskEvents by cascade), Messages, Instances (ReadyAt).</remarks>
    public Task CompleteActivityAsync(ActivityWorkItem workItem, HistoryEvent result, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(result);
        ActivityWorkItem.EnsureResult(result);
        var held = workItem.Lease;
        var message = new InstanceMessage { InstanceId = workItem.InstanceId, ExecutionId = workItem.ExecutionId, Event = result };
        var json = StoredJson.Serialize(result);
        return WriteAsync(durable: true, context =>
        {
            if (ActivityCommand(context, "Activities/Complete", workItem, held).ExecuteNonQuery() != 1)
            {
                throw ActivityLockLost(workItem, held);
            }

            Enqueue(context, message, json);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Transaction: ActivityTasks (delete, the lease check), then either the step as in
    /// <see cref="CompleteOrchestrationAsync"/> (its Instances update is the check that the instance is as the step
    /// assumed), or, when that update changes no row, Messages and Instances (ReadyAt) as in <see cref="CompleteActivityAsync"/>.
    /// </remarks>
    public Task<LocalStepResult> CompleteActivityWithStepAsync(ActivityWorkItem workItem, HistoryEvent result, LocalStep step, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(step);
        ActivityWorkItem.EnsureResult(result);
        step.EnsureFollows(workItem);
        var held = workItem.Lease;
        var prepared = new PreparedCheckpoint(step.Instance, step.HistoryLength, null, step.Checkpoint, held.LockedBy);
        var json = StoredJson.Serialize(result);
        return WriteAsync(durable: true, context =>
        {
            if (ActivityCommand(context, "Activities/Complete", workItem, held).ExecuteNonQuery() != 1)
            {
                throw ActivityLockLost(workItem, held);
            }

            if (Checkpoint(context, prepared) is { } leased)
            {
                return new LocalStepResult(true, leased);
            }

            Enqueue(context, new InstanceMessage { InstanceId = workItem.InstanceId, ExecutionId = workItem.ExecutionId, Event = result }, json);
            return LocalStepResult.NotCommitted;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    public Task AbandonActivityAsync(ActivityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var held = workItem.Lease;
        return WriteAsync(durable: false, context =>
        {
            var changed = ActivityCommand(context, "Activities/Abandon", workItem, held)
                .With("@AvailableAt", retryAfter > TimeSpan.Zero ? context.Now + retryAfter : context.Now)
                .ExecuteNonQuery();
            if (changed != 1)
            {
                throw ActivityLockLost(workItem, held);
            }

            context.Effects.ActivityWork = true;
            return true;
        }, cancellationToken);
    }

    private static ClaimedOrchestration? ClaimOrchestration(WriteContext context, string lockedBy, TimeSpan leaseDuration)
    {
        var lease = new Lease(lockedBy, context.Now + leaseDuration);
        InstanceState instance;
        int historyLength;
        using (var reader = context.Command("Orchestrations/Claim")
            .With("@LockedBy", lockedBy)
            .With("@LockExpiration", lease.LockExpiration)
            .With("@Now", context.Now)
            .ExecuteReader())
        {
            if (!reader.Read())
            {
                return null;
            }

            instance = InstanceRow.Read(reader, withPayloads: false);
            historyLength = reader.GetInt32(InstanceRow.HistoryLength);
        }

        using (var reader = context.Command("Orchestrations/SelectPayloads").With("@InstanceId", instance.InstanceId).ExecuteReader())
        {
            if (reader.Read())
            {
                instance = instance with { Input = reader.GetStringOrNull(0), Output = reader.GetStringOrNull(1), CustomStatus = reader.GetStringOrNull(2) };
            }
        }

        var messages = new List<StoredMessage>();
        using (var reader = context.Command("Orchestrations/SelectVisibleMessages")
            .With("@InstanceId", instance.InstanceId)
            .With("@Now", context.Now)
            .ExecuteReader())
        {
            while (reader.Read())
            {
                messages.Add(new StoredMessage(
                    reader.GetInt64(0), reader.GetStringOrNull(1), SqliteCommandExtensions.ToTime(reader.GetInt64(2)), reader.GetString(3)));
            }
        }

        return new ClaimedOrchestration(instance, messages, historyLength, lease);
    }

    /// <summary>
    /// Writes a step and returns the activity calls it leased (see <see cref="OrchestrationCheckpoint.LeaseActivities"/>);
    /// null (and nothing written) if the instance is not as the step assumed (see Checkpoint.sql).
    /// </summary>
    private static ActivityWorkItem[]? Checkpoint(WriteContext context, PreparedCheckpoint step)
    {
        var checkpoint = step.Checkpoint;
        var instanceId = step.Before.InstanceId;
        var changed = context.Command("Orchestrations/Checkpoint")
            .With("@Status", (long)checkpoint.Instance.Status)
            .With("@CompletedAt", checkpoint.Instance.CompletedAt)
            .With("@Failure", step.Failure)
            .With("@InstanceId", instanceId)
            .With("@NextExecutionId", step.HistoryExecutionId)
            .With("@Now", context.Now)
            .With("@HistoryLength", step.HistoryLength)
            .With("@LockedBy", step.Lease?.LockedBy)
            .With("@LockExpiration", step.Lease?.LockExpiration)
            .With("@ExecutionId", checkpoint.ExecutionId)
            .With("@PreviousHistoryLength", step.PreviousHistoryLength)
            .With("@RunningStatus", (long)OrchestrationStatus.Running)
            .ExecuteNonQuery();
        if (changed != 1)
        {
            return null;
        }

        var claimed = step.Before;
        var instance = checkpoint.Instance;
        if (step.DefinitionChanged)
        {
            context.Command("Orchestrations/UpdateDefinition")
                .With("@InstanceId", instanceId)
                .With("@Name", instance.Name)
                .With("@Version", instance.Version)
                .With("@ScheduledStartAt", instance.ScheduledStartAt)
                .With("@Tags", step.Tags)
                .WithParent(instance.Parent)
                .With("@TraceParent", instance.TraceParent)
                .ExecuteNonQuery();
        }

        if (!string.Equals(claimed.Input, instance.Input, StringComparison.Ordinal)
            || !string.Equals(claimed.Output, instance.Output, StringComparison.Ordinal)
            || !string.Equals(claimed.CustomStatus, instance.CustomStatus, StringComparison.Ordinal))
        {
            context.Command("Orchestrations/UpdatePayloads")
                .With("@InstanceId", instanceId)
                .With("@Input", instance.Input)
                .With("@Output", instance.Output)
                .With("@CustomStatus", instance.CustomStatus)
                .ExecuteNonQuery();
        }

        WriteHistory(context, step);
        if (step.ConsumedMessageIds is { } consumed)
        {
            context.Command("Orchestrations/DeleteMessages").With("@InstanceId", instanceId).With("@MessageIds", consumed).ExecuteNonQuery();
        }

        var lease = step.LeasedActivities > 0 ? new Lease(step.LeaseHolder, context.Now + checkpoint.LeaseActivities!.Duration) : null;
        var leased = step.LeasedActivities > 0 ? new ActivityWorkItem[step.LeasedActivities] : [];
        for (var i = 0; i < checkpoint.ActivityTasks.Count; i++)
        {
            var task = checkpoint.ActivityTasks[i];
            var taskLease = i < leased.Length ? lease : null;
            var taskId = (long)context.Command("Orchestrations/InsertActivityTask")
                .With("@InstanceId", task.InstanceId)
                .With("@ExecutionId", task.ExecutionId)
                .With("@Name", task.Scheduled.Name)
                .With("@LockedBy", taskLease?.LockedBy)
                .With("@LockExpiration", taskLease?.LockExpiration)
                .With("@AvailableAt", taskLease?.LockExpiration ?? context.Now)
                .ExecuteScalar()!;
            context.Command("Orchestrations/InsertActivityTaskEvent").With("@TaskId", taskId).With("@Event", step.ActivityEvents[i]).ExecuteNonQuery();
            if (taskLease is null)
            {
                context.Effects.ActivityWork = true;
            }
            else
            {
                leased[i] = new ActivityWorkItem(taskId, task.InstanceId, task.ExecutionId, task.Scheduled, taskLease);
            }
        }

        for (var i = 0; i < checkpoint.SubOrchestrations.Count; i++)
        {
            var child = checkpoint.SubOrchestrations[i];
            if (SelectStatus(context, child.InstanceId) is { } status)
            {
                if (!status.IsTerminal())
                {
                    RejectSubOrchestration(context, child, status);
                    continue;
                }

                DeleteInstance(context, child.InstanceId);
            }

            InsertInstance(context, child, step.SubOrchestrationEvents[i]);
        }

        for (var i = 0; i < checkpoint.Messages.Count; i++)
        {
            // A message to an instance that does not exist is dropped, as the contract says.
            Enqueue(context, checkpoint.Messages[i], step.MessageEvents[i]);
        }

        foreach (var message in step.EntityMessages)
        {
            EnqueueEntityMessage(context, message);
        }

        // ReadyAt changes only if messages were consumed or the suspension changed which messages count; messages this
        // step sent to itself already moved it forward (Messages/Wake).
        if (step.ConsumedMessageIds is not null || (claimed.Status == OrchestrationStatus.Suspended) != (instance.Status == OrchestrationStatus.Suspended))
        {
            context.Command("Orchestrations/RefreshReadyAt").With("@InstanceId", instanceId).ExecuteNonQuery();
        }

        context.Effects.OrchestrationWork = true;
        // The row is now exactly the checkpoint's state with the store's own fields: waiters need not read it.
        context.Effects.InstanceWritten(instance with
        {
            InstanceId = instanceId,
            ExecutionId = step.HistoryExecutionId,
            CreatedAt = claimed.CreatedAt,
            LastUpdatedAt = context.Now,
        });
        return leased;
    }

    private static void WriteHistory(WriteContext context, PreparedCheckpoint step)
    {
        var instanceId = step.Before.InstanceId;
        if (step.Checkpoint.NewExecutionId is not null)
        {
            // Continue-as-new: the old execution's history is superseded; only the new one is kept.
            context.Command("Orchestrations/DeleteHistory").With("@InstanceId", instanceId).ExecuteNonQuery();
        }

        try
        {
            for (var i = 0; i < step.History.Length; i++)
            {
                var (type, timestamp, json) = step.History[i];
                context.Command("Orchestrations/InsertHistory")
                    .With("@InstanceId", instanceId)
                    .With("@ExecutionId", step.HistoryExecutionId)
                    .With("@SequenceNumber", step.FirstSequenceNumber + i)
                    .With("@EventType", (long)type)
                    .With("@Timestamp", timestamp)
                    .With("@Event", json)
                    .ExecuteNonQuery();
            }
        }
        catch (SqliteException ex) when (ex.SqliteErrorCode == 19)
        {
            // SQLITE_CONSTRAINT on History_Key: another worker already committed this step. The backstop behind the lease.
            throw new WorkItemLockLostException(
                $"orchestration instance '{instanceId}' (history #{step.FirstSequenceNumber} was already written by another worker)",
                step.Lease?.LockedBy ?? "a local step");
        }
    }

    private static void RejectSubOrchestration(WriteContext context, NewInstance child, OrchestrationStatus status)
    {
        if (child.Started.Parent is not { } parent)
        {
            return;
        }

        var failure = new FailureDetails(
            typeof(InstanceAlreadyExistsException).FullName!,
            new InstanceAlreadyExistsException(child.InstanceId, status).Message)
        { IsNonRetriable = true };
        var failed = new SubOrchestrationFailedEvent { TaskScheduledId = parent.TaskScheduledId, Failure = failure, Timestamp = context.Now };
        Enqueue(
            context,
            new InstanceMessage { InstanceId = parent.InstanceId, ExecutionId = parent.ExecutionId, Event = failed },
            StoredJson.Serialize(failed));
    }

    private static SqliteCommand ActivityCommand(WriteContext context, string statement, ActivityWorkItem workItem, Lease held) =>
        context.Command(statement)
            .With("@TaskId", workItem.TaskId)
            .With("@LockedBy", held.LockedBy)
            .With("@LockExpiration", held.LockExpiration);

    private static WorkItemLockLostException OrchestrationLockLost(string instanceId, Lease lease) =>
        new($"orchestration instance '{instanceId}'", lease.LockedBy);

    private static WorkItemLockLostException ActivityLockLost(ActivityWorkItem workItem, Lease lease) =>
        new($"activity '{workItem.Scheduled.Name}' (task {workItem.TaskId}) of '{workItem.InstanceId}'", lease.LockedBy);

    /// <summary>An inbox message as read by a claim, its event still JSON.</summary>
    private sealed record StoredMessage(long MessageId, string? ExecutionId, DateTimeOffset VisibleAt, string Event);

    /// <summary>What an orchestration claim read inside the writer's transaction.</summary>
    private sealed record ClaimedOrchestration(InstanceState Instance, List<StoredMessage> Messages, int HistoryLength, Lease Lease);

    /// <summary>What an activity claim read inside the writer's transaction.</summary>
    private sealed record ClaimedActivity(long TaskId, string InstanceId, string ExecutionId, string Event, Lease Lease);

    /// <summary>A checkpoint with everything it stores serialized on the caller's thread, before it reaches the writer.</summary>
    private sealed class PreparedCheckpoint
    {
        /// <param name="before">The instance row the step ran against.</param>
        /// <param name="previousHistoryLength">The history length the step ran against.</param>
        /// <param name="lease">The claim's lease; null for a local step.</param>
        /// <param name="checkpoint">What the step commits.</param>
        /// <param name="leaseHolder">The worker that commits the step: the holder of the activity calls it leases.</param>
        public PreparedCheckpoint(InstanceState before, int previousHistoryLength, Lease? lease, OrchestrationCheckpoint checkpoint, string leaseHolder)
        {
            LeasedActivities = ActivityLeaseRequest.CountOf(checkpoint);
            LeaseHolder = leaseHolder;
            Before = before;
            Checkpoint = checkpoint;
            Lease = lease;
            PreviousHistoryLength = previousHistoryLength;
            var continued = checkpoint.NewExecutionId is not null;
            var events = continued ? checkpoint.NewExecutionHistory : checkpoint.NewEvents;
            History = [.. events.Select(e => (e.EventType, e.Timestamp, StoredJson.Serialize(e)))];
            HistoryExecutionId = checkpoint.NewExecutionId ?? checkpoint.ExecutionId;
            FirstSequenceNumber = continued ? 0 : previousHistoryLength;
            var after = checkpoint.Instance;
            Failure = StoredJson.Serialize(after.Failure);
            Tags = StoredJson.Serialize(after.Tags);
            DefinitionChanged = !string.Equals(before.Name, after.Name, StringComparison.Ordinal)
                || !string.Equals(before.Version, after.Version, StringComparison.Ordinal)
                || before.ScheduledStartAt != after.ScheduledStartAt
                || (!ReferenceEquals(before.Tags, after.Tags) && !string.Equals(StoredJson.Serialize(before.Tags), Tags, StringComparison.Ordinal))
                || before.Parent != after.Parent
                || !string.Equals(before.TraceParent, after.TraceParent, StringComparison.Ordinal);
            HistoryLength = FirstSequenceNumber + History.Length;
            ConsumedMessageIds = checkpoint.ConsumedMessageIds.Count > 0 ? StoredJson.Array(checkpoint.ConsumedMessageIds) : null;
            ActivityEvents = [.. checkpoint.ActivityTasks.Select(t => StoredJson.Serialize(t.Scheduled))];
            SubOrchestrationEvents = [.. checkpoint.SubOrchestrations.Select(c => StoredJson.Serialize(c.Started))];
            MessageEvents = [.. checkpoint.Messages.Select(m => StoredJson.Serialize(m.Event))];
            EntityMessages = PreparedEntityMessage.FromAll(checkpoint.EntityMessages);
        }

        public InstanceState Before { get; }

        public OrchestrationCheckpoint Checkpoint { get; }

        /// <summary>How many of the first activity calls are leased to <see cref="LeaseHolder"/>.</summary>
        public int LeasedActivities { get; }

        public string LeaseHolder { get; }

        public Lease? Lease { get; }

        public int PreviousHistoryLength { get; }

        /// <summary>The step's failure details as stored, serialized before the step reaches the writer.</summary>
        public string? Failure { get; }

        /// <summary>The instance's tags as stored.</summary>
        public string? Tags { get; }

        /// <summary>Whether the step changed a column that UpdateDefinition.sql writes.</summary>
        public bool DefinitionChanged { get; }

        public (HistoryEventType Type, DateTimeOffset Timestamp, string Json)[] History { get; }

        /// <summary>The execution the written history belongs to (the new one on continue-as-new).</summary>
        public string HistoryExecutionId { get; }

        public int FirstSequenceNumber { get; }

        public int HistoryLength { get; }

        public string? ConsumedMessageIds { get; }

        public string[] ActivityEvents { get; }

        public string[] SubOrchestrationEvents { get; }

        public string[] MessageEvents { get; }

        /// <summary>The step's entity messages, checked and serialized; empty for most steps, which then write nothing more.</summary>
        public PreparedEntityMessage[] EntityMessages { get; }
    }
}
