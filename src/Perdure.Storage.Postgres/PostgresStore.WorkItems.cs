using Npgsql;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Storage.Postgres.Data;
using Perdure.Core.Storage;

namespace Perdure.Storage.Postgres;

// Work items: claims, lease renewals, checkpoints, activity completions and abandons. Every lease check is part of the
// statement that writes (a WHERE on LockedBy and LockExpiration; PostgreSQL re-evaluates it on the newest row version
// after waiting for a row lock), so the check and the write are one atomic step whatever other workers do; zero rows
// changed means the lease was lost and the transaction is rolled back.
public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// One round trip, one transaction, four statements: Orchestrations/Claim.sql (Instances: rows locked with FOR UPDATE
    /// SKIP LOCKED and leased), ClaimedPayloads.sql (InstancePayloads), ClaimedMessages.sql (Messages) and
    /// ClaimedHistory.sql (History, only of instances whose last step another worker ran: see
    /// <see cref="OrchestrationWorkItem.History"/>). The reads run after the lease is taken, each on a fresh snapshot, so
    /// they see everything committed before the row locks. A lease duration of zero or less is taken as one tick: the
    /// lease is over at once either way.
    /// </remarks>
    public async Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var duration = leaseDuration > TimeSpan.Zero ? leaseDuration : TimeSpan.FromTicks(1);
        return await WriteAsync(async session =>
        {
            var lease = new Lease(lockedBy, session.Now + duration);
            var rows = new List<(InstanceState Instance, int HistoryLength)>();
            var payloads = new Dictionary<string, (string? Input, string? Output, string? CustomStatus)>(StringComparer.Ordinal);
            var messages = new Dictionary<string, List<InstanceMessage>>(StringComparer.Ordinal);
            var histories = new Dictionary<string, List<HistoryEvent>>(StringComparer.Ordinal);
            await using var batch = session.Batch(
                    "Orchestrations/Claim", "Orchestrations/ClaimedPayloads", "Orchestrations/ClaimedMessages", "Orchestrations/ClaimedHistory")
                .With("@LockedBy", lockedBy)
                .With("@LockExpiration", lease.LockExpiration)
                .With("@Now", session.Now)
                .With("@MaxCount", (long)maxCount);
            await using (var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    rows.Add((InstanceRow.Read(reader, withPayloads: false), reader.GetInt32(InstanceRow.HistoryLength)));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    payloads[reader.GetString(0)] = (reader.GetStringOrNull(1), reader.GetStringOrNull(2), reader.GetStringOrNull(3));
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var instanceId = reader.GetString(0);
                    if (!messages.TryGetValue(instanceId, out var inbox))
                    {
                        messages[instanceId] = inbox = [];
                    }

                    inbox.Add(new InstanceMessage
                    {
                        InstanceId = instanceId,
                        MessageId = reader.GetInt64(1),
                        ExecutionId = reader.GetStringOrNull(2),
                        VisibleAt = PgCommandExtensions.ToTime(reader.GetInt64(3)),
                        Event = StoredJson.DeserializeEvent(reader.GetString(4)),
                    });
                }

                await reader.NextResultAsync(cancellationToken).ConfigureAwait(false);
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    var instanceId = reader.GetString(0);
                    if (!histories.TryGetValue(instanceId, out var history))
                    {
                        histories[instanceId] = history = [];
                    }

                    history.Add(StoredJson.DeserializeEvent(reader.GetString(1)));
                }
            }

            return rows.ConvertAll(row =>
            {
                var instance = payloads.TryGetValue(row.Instance.InstanceId, out var p)
                    ? row.Instance with { Input = p.Input, Output = p.Output, CustomStatus = p.CustomStatus }
                    : row.Instance;
                return new OrchestrationWorkItem(instance, messages.GetValueOrDefault(instance.InstanceId) ?? [], row.HistoryLength, lease)
                {
                    History = histories.GetValueOrDefault(instance.InstanceId),
                };
            });
        }, WriteOrder.Claim, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    public async Task RenewOrchestrationLeaseAsync(OrchestrationWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var held = workItem.Lease;
        workItem.Lease = await WriteAsync(async session =>
        {
            var renewed = held with { LockExpiration = session.Now + leaseDuration };
            await using var command = session.Command("Orchestrations/Renew")
                .With("@InstanceId", workItem.InstanceId)
                .With("@LockedBy", held.LockedBy)
                .With("@LockExpiration", held.LockExpiration)
                .With("@NewLockExpiration", renewed.LockExpiration);
            var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return changed == 1 ? renewed : throw OrchestrationLockLost(workItem.InstanceId, held);
        }, WriteOrder.Instance(workItem.InstanceId), cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Transaction, in this order: Instances (row locks in id order, only when the step writes other instances' rows
    /// too), Instances (state and lease release, the lease check), InstancePayloads (only when a
    /// payload changed), History (the unique key is the backstop: a duplicate means another worker committed this step),
    /// Messages (consumed ones deleted), ActivityTasks and ActivityTaskEvents, the sub-orchestrations (Instances,
    /// InstancePayloads, Messages), outbound Messages with their targets' Instances rows, and last this instance's
    /// Instances row again (ReadyAt from what is left in its inbox), then the NOTIFY. A step that sends entity messages
    /// first locks (creating the missing ones) the rows of those entities in id order, before any instance row, and
    /// writes the messages (Entities, EntityMessages) after its instance messages.
    /// </remarks>
    public Task<IReadOnlyList<ActivityWorkItem>> CompleteOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCheckpoint checkpoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        ArgumentNullException.ThrowIfNull(checkpoint);
        ArgumentNullException.ThrowIfNull(checkpoint.Instance);
        var step = new PreparedCheckpoint(workItem.Instance, workItem.HistoryLength, workItem.Lease, checkpoint, workItem.Lease.LockedBy);
        return WriteAsync(
            async session => await CheckpointAsync(session, step, cancellationToken).ConfigureAwait(false)
                ?? throw OrchestrationLockLost(workItem.InstanceId, workItem.Lease),
            OrderOf(step, WriteOrder.Instance(workItem.InstanceId)),
            cancellationToken);
    }

    /// <inheritdoc/>
    public Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var held = workItem.Lease;
        return WriteAsync(async session =>
        {
            // The row lock first, then the update in a statement of its own: its snapshot, taken after the lock, sees a
            // terminate request committed by a transaction that held the row meanwhile, so the back-off never overwrites
            // the clearing that request did (a subquery re-checked under a lock still reads the statement's old snapshot).
            await using var batch = session.Batch();
            batch.BatchCommands.Add(session.Statement("Instances/LockInOrder").With("@InstanceIds", [workItem.InstanceId]));
            var abandon = session.Statement("Orchestrations/Abandon")
                .With("@InstanceId", workItem.InstanceId)
                .With("@LockedBy", held.LockedBy)
                .With("@LockExpiration", held.LockExpiration)
                .With("@NotBefore", retryAfter > TimeSpan.Zero ? session.Now + retryAfter : null);
            batch.BatchCommands.Add(abandon);
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            if (abandon.RecordsAffected != 1)
            {
                throw OrchestrationLockLost(workItem.InstanceId, held);
            }

            session.OrchestrationWork = true;
            return true;
        }, WriteOrder.Instance(workItem.InstanceId), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>One statement (Activities/Claim.sql): ActivityTasks (locked with FOR UPDATE SKIP LOCKED, leased), ActivityTaskEvents (read).</remarks>
    public async Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(
        string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(lockedBy);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCount, 1);
        var claimed = await WriteAsync(async session =>
        {
            var items = new List<(long TaskId, string InstanceId, string ExecutionId, string Event, Lease Lease)>();
            var lease = new Lease(lockedBy, session.Now + leaseDuration);
            await using var command = session.Command("Activities/Claim")
                .With("@LockedBy", lockedBy)
                .With("@LockExpiration", lease.LockExpiration)
                .With("@Now", session.Now)
                .With("@MaxCount", (long)maxCount);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                items.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), lease));
            }

            return items;
        }, WriteOrder.Claim, cancellationToken).ConfigureAwait(false);

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
        workItem.Lease = await WriteAsync(async session =>
        {
            var renewed = held with { LockExpiration = session.Now + leaseDuration };
            await using var command = ActivityCommand(session, "Activities/Renew", workItem, held).With("@NewLockExpiration", renewed.LockExpiration);
            var changed = await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return changed == 1 ? renewed : throw ActivityLockLost(workItem, held);
        }, WriteOrder.Activity(workItem.InstanceId), cancellationToken).ConfigureAwait(false);
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
        return WriteAsync(async session =>
        {
            await DeleteActivityAsync(session, workItem, held, cancellationToken).ConfigureAwait(false);
            await EnqueueAsync(session, message, json, cancellationToken).ConfigureAwait(false);
            return true;
        }, WriteOrder.Activity(workItem.InstanceId), cancellationToken);
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
        var prepared = new PreparedCheckpoint(step.Instance, step.HistoryLength, null, step.Checkpoint, workItem.Lease.LockedBy);
        var json = StoredJson.Serialize(result);
        return WriteAsync(async session =>
        {
            await DeleteActivityAsync(session, workItem, held, cancellationToken).ConfigureAwait(false);
            if (await CheckpointAsync(session, prepared, cancellationToken).ConfigureAwait(false) is { } leased)
            {
                return new LocalStepResult(true, leased);
            }

            var message = new InstanceMessage { InstanceId = workItem.InstanceId, ExecutionId = workItem.ExecutionId, Event = result };
            await EnqueueAsync(session, message, json, cancellationToken).ConfigureAwait(false);
            return LocalStepResult.NotCommitted;
        }, OrderOf(prepared, WriteOrder.Activity(workItem.InstanceId)), cancellationToken);
    }

    /// <inheritdoc/>
    public Task AbandonActivityAsync(ActivityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var held = workItem.Lease;
        return WriteAsync(async session =>
        {
            await using var command = ActivityCommand(session, "Activities/Abandon", workItem, held)
                .With("@AvailableAt", retryAfter > TimeSpan.Zero ? session.Now + retryAfter : session.Now);
            if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                throw ActivityLockLost(workItem, held);
            }

            session.ActivityWork = true;
            return true;
        }, WriteOrder.Activity(workItem.InstanceId), cancellationToken);
    }

    private static async Task DeleteActivityAsync(PgSession session, ActivityWorkItem workItem, Lease held, CancellationToken cancellationToken)
    {
        await using var command = ActivityCommand(session, "Activities/Complete", workItem, held);
        if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            throw ActivityLockLost(workItem, held);
        }
    }

    /// <summary>A step that writes only its own instance's row may join a group at that row; one that writes others runs alone.</summary>
    private static WriteOrder OrderOf(PreparedCheckpoint step, WriteOrder ownRow) =>
        step.RowsToLock is null && step.EntitiesToLock is null ? ownRow : WriteOrder.Alone;

    /// <summary>
    /// Writes a step and returns the activity calls it leased (see <see cref="OrchestrationCheckpoint.LeaseActivities"/>);
    /// null (and nothing written) if the instance is not as the step assumed (see Checkpoint.sql and LocalCheckpoint.sql).
    /// </summary>
    private async Task<IReadOnlyList<ActivityWorkItem>?> CheckpointAsync(PgSession session, PreparedCheckpoint step, CancellationToken cancellationToken)
    {
        var checkpoint = step.Checkpoint;
        var instanceId = step.Before.InstanceId;
        if (step.EntitiesToLock is { } entities)
        {
            await LockEntitiesAsync(session, entities, cancellationToken).ConfigureAwait(false);
        }

        if (step.RowsToLock is { } rows)
        {
            await using var command = session.Command("Instances/LockInOrder").With("@InstanceIds", rows);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // Everything up to the activity calls needs no answer in between, so it goes to the server as one batch. A claimed
        // step's lease check (the Checkpoint update) is its first statement: if it changed no row the caller throws and
        // the transaction rolls back. A local step's check decides whether the step is written at all, so it goes first,
        // alone.
        var claimed = step.Before;
        var instance = checkpoint.Instance;
        await using var batch = session.Batch();
        var update = session.Statement(step.Lease is null ? "Orchestrations/LocalCheckpoint" : "Orchestrations/Checkpoint")
            .With("@Status", (int)checkpoint.Instance.Status)
            .With("@CompletedAt", checkpoint.Instance.CompletedAt)
            .With("@Failure", step.Failure)
            .With("@InstanceId", instanceId)
            .With("@NextExecutionId", step.HistoryExecutionId)
            .With("@Now", session.Now)
            .With("@HistoryLength", step.HistoryLength)
            .With("@ExecutionId", checkpoint.ExecutionId)
            .With("@StepWorker", step.StepWorker);
        if (step.Lease is not { } lease)
        {
            update.With("@PreviousHistoryLength", step.PreviousHistoryLength).With("@RunningStatus", (int)OrchestrationStatus.Running);
            await using var check = session.Batch();
            check.BatchCommands.Add(update);
            if (await check.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                // A local step's transaction goes on without the step: rows the entity lock created for its messages go.
                if (step.EntitiesToLock is { } created)
                {
                    await DeleteIfEmptyAsync(session, created.EntityIds, cancellationToken).ConfigureAwait(false);
                }

                return null;
            }
        }
        else
        {
            batch.BatchCommands.Add(update.With("@LockedBy", lease.LockedBy).With("@LockExpiration", lease.LockExpiration));
        }

        if (step.DefinitionChanged)
        {
            batch.BatchCommands.Add(session.Statement("Orchestrations/UpdateDefinition")
                .With("@InstanceId", instanceId)
                .With("@Name", instance.Name)
                .With("@Version", instance.Version)
                .With("@ScheduledStartAt", instance.ScheduledStartAt)
                .With("@Tags", step.Tags)
                .WithParent(instance.Parent)
                .With("@TraceParent", instance.TraceParent));
        }

        if (!string.Equals(claimed.Input, instance.Input, StringComparison.Ordinal)
            || !string.Equals(claimed.Output, instance.Output, StringComparison.Ordinal)
            || !string.Equals(claimed.CustomStatus, instance.CustomStatus, StringComparison.Ordinal))
        {
            batch.BatchCommands.Add(session.Statement("Orchestrations/UpdatePayloads")
                .With("@InstanceId", instanceId)
                .With("@Input", instance.Input)
                .With("@Output", instance.Output)
                .With("@CustomStatus", instance.CustomStatus));
        }

        if (checkpoint.NewExecutionId is not null)
        {
            // Continue-as-new: the old execution's history is superseded; only the new one is kept.
            batch.BatchCommands.Add(session.Statement("Orchestrations/DeleteHistory").With("@InstanceId", instanceId));
        }

        if (step.HistoryEvents.Length > 0)
        {
            batch.BatchCommands.Add(session.Statement("Orchestrations/InsertHistory")
                .With("@InstanceId", instanceId)
                .With("@ExecutionId", step.HistoryExecutionId)
                .With("@FirstSequenceNumber", step.FirstSequenceNumber)
                .With("@HistoryTypes", step.HistoryTypes)
                .With("@HistoryTimestamps", step.HistoryTimestamps)
                .With("@HistoryEvents", step.HistoryEvents));
        }

        if (step.ConsumedMessageIds is { } consumed)
        {
            batch.BatchCommands.Add(session.Statement("Orchestrations/DeleteMessages").With("@InstanceId", instanceId).With("@MessageIds", consumed));
        }

        var activityLease = step.LeasedActivities > 0 ? new Lease(step.StepWorker, session.Now + checkpoint.LeaseActivities!.Duration) : null;
        if (step.ActivityEvents.Length > 0)
        {
            batch.BatchCommands.Add(session.Statement("Orchestrations/InsertActivityTasks")
                .With("@CallInstanceIds", step.ActivityInstanceIds)
                .With("@CallExecutionIds", step.ActivityExecutionIds)
                .With("@CallNames", step.ActivityNames)
                .With("@CallEvents", step.ActivityEvents)
                .With("@Now", session.Now)
                .With("@Leased", (long)step.LeasedActivities)
                .With("@LockedBy", activityLease?.LockedBy)
                .With("@LockExpiration", activityLease?.LockExpiration));
            session.ActivityWork |= step.ActivityEvents.Length > step.LeasedActivities;
        }

        // ReadyAt changes only if messages were consumed or the suspension changed which messages count; messages this
        // step sends to itself move it forward as they are inserted (Messages/Wake). It is the step's last write: when
        // nothing else follows the batch (no sub-orchestrations, no messages), it goes with the batch.
        var refreshReadyAt = step.ConsumedMessageIds is not null
            || (claimed.Status == OrchestrationStatus.Suspended) != (instance.Status == OrchestrationStatus.Suspended);
        var writesAfterBatch = checkpoint.SubOrchestrations.Count > 0 || checkpoint.Messages.Count > 0 || step.EntityMessages.Length > 0;
        if (refreshReadyAt && !writesAfterBatch)
        {
            batch.BatchCommands.Add(session.Statement("Orchestrations/RefreshReadyAt").With("@InstanceId", instanceId));
            refreshReadyAt = false;
        }

        ActivityWorkItem[] leased = step.LeasedActivities > 0 ? new ActivityWorkItem[step.LeasedActivities] : [];
        var leasedRead = 0;
        if (batch.BatchCommands.Count > 0)
        {
            try
            {
                // Only InsertActivityTasks returns rows: the leased calls' task ids, in call order (none when none is leased).
                await using var reader = await batch.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                do
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        if (leasedRead == leased.Length)
                        {
                            throw new InvalidDataException($"The checkpoint of '{instanceId}' leased {leased.Length} activity calls, but the store returned more task ids.");
                        }

                        var task = checkpoint.ActivityTasks[leasedRead];
                        leased[leasedRead++] = new ActivityWorkItem(reader.GetInt64(0), task.InstanceId, task.ExecutionId, task.Scheduled, activityLease!);
                    }
                }
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
            }
            catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UniqueViolation && ex.ConstraintName == "history_key")
            {
                // Another worker already committed this step: the backstop behind the lease. Nothing of this one is written
                // (the transaction is rolled back); the instance itself is fine.
                Log.DuplicateStep(_logger, instanceId, step.FirstSequenceNumber);
                throw new WorkItemLockLostException(
                    $"orchestration instance '{instanceId}' (history #{step.FirstSequenceNumber} was already written by another worker)",
                    step.Lease?.LockedBy ?? "a local step");
            }

            if (step.Lease is not null && update.RecordsAffected != 1)
            {
                return null;
            }
        }

        for (var i = 0; i < checkpoint.SubOrchestrations.Count; i++)
        {
            var child = checkpoint.SubOrchestrations[i];
            if (await SelectStatusAsync(session, child.InstanceId, cancellationToken).ConfigureAwait(false) is { } status)
            {
                if (!status.IsTerminal())
                {
                    await RejectSubOrchestrationAsync(session, child, status, cancellationToken).ConfigureAwait(false);
                    continue;
                }

                await DeleteInstanceAsync(session, child.InstanceId, cancellationToken).ConfigureAwait(false);
            }

            await InsertInstanceAsync(session, child, step.SubOrchestrationEvents[i], cancellationToken).ConfigureAwait(false);
        }

        for (var i = 0; i < checkpoint.Messages.Count; i++)
        {
            // A message to an instance that does not exist is dropped, as the contract says.
            await EnqueueAsync(session, checkpoint.Messages[i], step.MessageEvents[i], cancellationToken).ConfigureAwait(false);
        }

        foreach (var message in step.EntityMessages)
        {
            await EnqueueEntityMessageAsync(session, message, cancellationToken).ConfigureAwait(false);
        }

        if (refreshReadyAt)
        {
            await using var command = session.Command("Orchestrations/RefreshReadyAt").With("@InstanceId", instanceId);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        // A claimed step released its lease, and its instance may have messages waiting that arrived meanwhile. A local
        // step ran only because none was waiting and left ReadyAt as it was: it makes no orchestration work of its own
        // (messages and sub-orchestrations it wrote announced theirs), so it wakes no orchestration dispatcher.
        if (step.Lease is not null)
        {
            session.OrchestrationWork = true;
        }

        // The row is now exactly the checkpoint's state with the store's own fields: waiters need not read it.
        session.InstanceWritten(instance with
        {
            InstanceId = instanceId,
            ExecutionId = step.HistoryExecutionId,
            CreatedAt = claimed.CreatedAt,
            LastUpdatedAt = session.Now,
        });
        if (leasedRead != leased.Length)
        {
            throw new InvalidDataException($"The checkpoint of '{instanceId}' leased {leased.Length} activity calls, but the store returned {leasedRead} task ids.");
        }

        return leased;
    }

    private static async Task RejectSubOrchestrationAsync(PgSession session, NewInstance child, OrchestrationStatus status, CancellationToken cancellationToken)
    {
        if (child.Started.Parent is not { } parent)
        {
            return;
        }

        var failure = new FailureDetails(
            typeof(InstanceAlreadyExistsException).FullName!,
            new InstanceAlreadyExistsException(child.InstanceId, status).Message)
        { IsNonRetriable = true };
        var failed = new SubOrchestrationFailedEvent { TaskScheduledId = parent.TaskScheduledId, Failure = failure, Timestamp = session.Now };
        await EnqueueAsync(
            session,
            new InstanceMessage { InstanceId = parent.InstanceId, ExecutionId = parent.ExecutionId, Event = failed },
            StoredJson.Serialize(failed),
            cancellationToken).ConfigureAwait(false);
    }

    private static NpgsqlCommand ActivityCommand(PgSession session, string statement, ActivityWorkItem workItem, Lease held) =>
        session.Command(statement)
            .With("@TaskId", workItem.TaskId)
            .With("@LockedBy", held.LockedBy)
            .With("@LockExpiration", held.LockExpiration);

    private static WorkItemLockLostException OrchestrationLockLost(string instanceId, Lease lease) =>
        new($"orchestration instance '{instanceId}'", lease.LockedBy);

    private static WorkItemLockLostException ActivityLockLost(ActivityWorkItem workItem, Lease lease) =>
        new($"activity '{workItem.Scheduled.Name}' (task {workItem.TaskId}) of '{workItem.InstanceId}'", lease.LockedBy);
}
