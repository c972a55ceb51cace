using Perdure.Core;
using Perdure.Core.History;
using Perdure.Storage.Postgres.Data;
using Perdure.Core.Storage;

namespace Perdure.Storage.Postgres;

// Intake and maintenance: creating instances, sending messages, purging. Each public method serializes what it stores
// before its transaction begins, so the transaction holds its row locks only for the statements.
public sealed partial class PostgresStore
{
    /// <inheritdoc/>
    /// <remarks>
    /// Transaction: Instances (status, row locked), Instances (delete of a replaced terminal instance, cascading),
    /// Instances, InstancePayloads, Messages. Two creators of one new id race on the primary key; the loser's transaction
    /// runs again and then sees the winner's row.
    /// </remarks>
    public Task CreateInstanceAsync(NewInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentException.ThrowIfNullOrEmpty(instance.InstanceId);
        ArgumentNullException.ThrowIfNull(instance.Started);
        var startedJson = StoredJson.Serialize(instance.Started);
        return WriteAsync(async session =>
        {
            if (await SelectStatusAsync(session, instance.InstanceId, cancellationToken).ConfigureAwait(false) is { } status)
            {
                if (!status.IsTerminal() || instance.DedupeStatuses.Contains(status))
                {
                    throw new InstanceAlreadyExistsException(instance.InstanceId, status);
                }

                await DeleteInstanceAsync(session, instance.InstanceId, cancellationToken).ConfigureAwait(false);
            }

            await InsertInstanceAsync(session, instance, startedJson, cancellationToken).ConfigureAwait(false);
            return true;
        }, WriteOrder.Instance(instance.InstanceId), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: Messages (insert if the instance exists), Instances (ReadyAt).</remarks>
    public Task SendMessageAsync(InstanceMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(message.Event);
        var json = StoredJson.Serialize(message.Event);
        return WriteAsync(async session =>
        {
            if (!await EnqueueAsync(session, message, json, cancellationToken).ConfigureAwait(false))
            {
                throw new InstanceNotFoundException(message.InstanceId);
            }

            return true;
        }, WriteOrder.Instance(message.InstanceId), cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: Instances (status checks with row locks, children), then one delete per purged instance, cascading.</remarks>
    public Task<int> PurgeInstanceAsync(string instanceId, bool recursive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return WriteAsync(async session =>
        {
            if (await SelectStatusAsync(session, instanceId, cancellationToken).ConfigureAwait(false) is not { } status)
            {
                return 0;
            }

            if (!status.IsTerminal())
            {
                throw new InstanceStateException(instanceId, status,
                    $"Orchestration instance '{instanceId}' is {status}; only completed, failed or terminated instances can " +
                    "be purged. Terminate it first, or wait for it to finish.");
            }

            return await PurgeAsync(session, instanceId, recursive, cancellationToken).ConfigureAwait(false);
        }, WriteOrder.Alone, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: one delete of the matching terminal instances, cascading.</remarks>
    public Task<int> PurgeInstancesAsync(PurgeFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        int[]? statuses = filter.Statuses is { Count: > 0 } s ? [.. s.Select(x => (int)x)] : null;
        return WriteAsync(async session =>
        {
            await using var command = session.Command("Instances/PurgeByFilter")
                .With("@Statuses", statuses)
                .With("@CreatedFrom", filter.CreatedFrom)
                .With("@CreatedTo", filter.CreatedTo);
            var count = 0;
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                session.InstanceChanged(reader.GetString(0));
                count++;
            }

            return count;
        }, WriteOrder.Alone, cancellationToken);
    }

    private static async Task<int> PurgeAsync(PgSession session, string instanceId, bool recursive, CancellationToken cancellationToken)
    {
        var count = 0;
        if (recursive)
        {
            var children = new List<(string Id, OrchestrationStatus Status)>();
            await using (var command = session.Command("Instances/SelectChildren").With("@InstanceId", instanceId))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    children.Add((reader.GetString(0), (OrchestrationStatus)reader.GetInt32(1)));
                }
            }

            foreach (var (child, status) in children)
            {
                if (status.IsTerminal())
                {
                    count += await PurgeAsync(session, child, recursive: true, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        await DeleteInstanceAsync(session, instanceId, cancellationToken).ConfigureAwait(false);
        return count + 1;
    }

    private static async Task<OrchestrationStatus?> SelectStatusAsync(PgSession session, string instanceId, CancellationToken cancellationToken)
    {
        await using var command = session.Command("Instances/SelectStatus").With("@InstanceId", instanceId);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is int status
            ? (OrchestrationStatus)status
            : null;
    }

    private static async Task DeleteInstanceAsync(PgSession session, string instanceId, CancellationToken cancellationToken)
    {
        await using var command = session.Command("Instances/Delete").With("@InstanceId", instanceId);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        session.InstanceChanged(instanceId);
    }

    /// <summary>Inserts a Pending instance with its payloads and its ExecutionStarted message; no row with its id may exist.</summary>
    private static async Task InsertInstanceAsync(PgSession session, NewInstance instance, string startedJson, CancellationToken cancellationToken)
    {
        var started = instance.Started;
        var visibleAt = started.ScheduledStartAt ?? session.Now;
        await using (var command = session.Command("Instances/Insert")
            .With("@InstanceId", instance.InstanceId)
            .With("@ExecutionId", started.ExecutionId)
            .With("@Name", started.Name)
            .With("@Version", started.Version)
            .With("@Status", (int)OrchestrationStatus.Pending)
            .With("@Now", session.Now)
            .With("@ScheduledStartAt", started.ScheduledStartAt)
            .With("@Tags", StoredJson.Serialize(started.Tags))
            .WithParent(started.Parent)
            .With("@TraceParent", started.TraceParent)
            .With("@ReadyAt", visibleAt))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await using (var command = session.Command("Instances/InsertPayloads").With("@InstanceId", instance.InstanceId).With("@Input", started.Input))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await InsertMessageAsync(session, instance.InstanceId, started.ExecutionId, HistoryEventType.ExecutionStarted, visibleAt, startedJson, cancellationToken)
            .ConfigureAwait(false);
        session.InstanceChanged(instance.InstanceId);
        session.OrchestrationWork = true;
    }

    /// <summary>Puts a message into an instance's inbox and wakes the instance; false (nothing written) if it does not exist.</summary>
    private static async Task<bool> EnqueueAsync(PgSession session, InstanceMessage message, string eventJson, CancellationToken cancellationToken)
    {
        var visibleAt = message.VisibleAt ?? session.Now;
        var type = message.Event.EventType;
        if (await InsertMessageAsync(session, message.InstanceId, message.ExecutionId, type, visibleAt, eventJson, cancellationToken).ConfigureAwait(false) == 0)
        {
            return false;
        }

        await using (var command = session.Command("Messages/Wake")
            .With("@InstanceId", message.InstanceId)
            .With("@VisibleAt", visibleAt)
            .With("@EventType", (int)type))
        {
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        session.OrchestrationWork = true;
        return true;
    }

    private static async Task<int> InsertMessageAsync(
        PgSession session, string instanceId, string? executionId, HistoryEventType type, DateTimeOffset visibleAt, string eventJson,
        CancellationToken cancellationToken)
    {
        await using var command = session.Command("Messages/Insert")
            .With("@InstanceId", instanceId)
            .With("@ExecutionId", executionId)
            .With("@EventType", (int)type)
            .With("@VisibleAt", visibleAt)
            .With("@Event", eventJson);
        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
