using Perdure.Core;
using Perdure.Core.History;
using Perdure.Storage.Sqlite.Data;
using Perdure.Storage.Sqlite.Writer;
using Perdure.Core.Storage;

namespace Perdure.Storage.Sqlite;

// Intake and maintenance: creating instances, sending messages, purging. Each public method serializes what it stores on
// the caller's thread and hands the writer a body that only binds and runs statements.
public sealed partial class SqliteStore
{
    /// <inheritdoc/>
    /// <remarks>Transaction: Instances (status check, then delete of a replaced terminal instance), Instances, InstancePayloads, Messages.</remarks>
    public Task CreateInstanceAsync(NewInstance instance, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instance);
        ArgumentException.ThrowIfNullOrEmpty(instance.InstanceId);
        ArgumentNullException.ThrowIfNull(instance.Started);
        var startedJson = StoredJson.Serialize(instance.Started);
        return WriteAsync(durable: true, context =>
        {
            if (SelectStatus(context, instance.InstanceId) is { } status)
            {
                if (!status.IsTerminal() || instance.DedupeStatuses.Contains(status))
                {
                    throw new InstanceAlreadyExistsException(instance.InstanceId, status);
                }

                DeleteInstance(context, instance.InstanceId);
            }

            InsertInstance(context, instance, startedJson);
            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: Messages (insert if the instance exists), Instances (ReadyAt).</remarks>
    public Task SendMessageAsync(InstanceMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(message.Event);
        var json = StoredJson.Serialize(message.Event);
        return WriteAsync(durable: true, context =>
        {
            if (!Enqueue(context, message, json))
            {
                throw new InstanceNotFoundException(message.InstanceId);
            }

            return true;
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: Instances (status checks, children), then one delete per purged instance, cascading.</remarks>
    public Task<int> PurgeInstanceAsync(string instanceId, bool recursive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(instanceId);
        return WriteAsync(durable: true, context =>
        {
            if (SelectStatus(context, instanceId) is not { } status)
            {
                return 0;
            }

            if (!status.IsTerminal())
            {
                throw new InstanceStateException(instanceId, status,
                    $"Orchestration instance '{instanceId}' is {status}; only completed, failed or terminated instances can " +
                    "be purged. Terminate it first, or wait for it to finish.");
            }

            return Purge(context, instanceId, recursive);
        }, cancellationToken);
    }

    /// <inheritdoc/>
    /// <remarks>Transaction: one delete of the matching terminal instances, cascading.</remarks>
    public Task<int> PurgeInstancesAsync(PurgeFilter filter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var statuses = filter.Statuses is { Count: > 0 } s ? StoredJson.Array(s.Select(x => (int)x)) : null;
        return WriteAsync(durable: true, context =>
        {
            var command = context.Command("Instances/PurgeByFilter")
                .With("@Statuses", statuses)
                .With("@CreatedFrom", filter.CreatedFrom)
                .With("@CreatedTo", filter.CreatedTo);
            var count = 0;
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                context.Effects.InstanceChanged(reader.GetString(0));
                count++;
            }

            return count;
        }, cancellationToken);
    }

    private static int Purge(WriteContext context, string instanceId, bool recursive)
    {
        var count = 0;
        if (recursive)
        {
            var children = new List<(string Id, OrchestrationStatus Status)>();
            using (var reader = context.Command("Instances/SelectChildren").With("@InstanceId", instanceId).ExecuteReader())
            {
                while (reader.Read())
                {
                    children.Add((reader.GetString(0), (OrchestrationStatus)reader.GetInt32(1)));
                }
            }

            foreach (var (child, status) in children)
            {
                if (status.IsTerminal())
                {
                    count += Purge(context, child, recursive: true);
                }
            }
        }

        DeleteInstance(context, instanceId);
        return count + 1;
    }

    private static OrchestrationStatus? SelectStatus(WriteContext context, string instanceId) =>
        context.Command("Instances/SelectStatus").With("@InstanceId", instanceId).ExecuteScalar() is long status
            ? (OrchestrationStatus)status
            : null;

    private static void DeleteInstance(WriteContext context, string instanceId)
    {
        context.Command("Instances/Delete").With("@InstanceId", instanceId).ExecuteNonQuery();
        context.Effects.InstanceChanged(instanceId);
    }

    /// <summary>Inserts a Pending instance with its payloads and its ExecutionStarted message; no row with its id may exist.</summary>
    private static void InsertInstance(WriteContext context, NewInstance instance, string startedJson)
    {
        var started = instance.Started;
        var visibleAt = started.ScheduledStartAt ?? context.Now;
        context.Command("Instances/Insert")
            .With("@InstanceId", instance.InstanceId)
            .With("@ExecutionId", started.ExecutionId)
            .With("@Name", started.Name)
            .With("@Version", started.Version)
            .With("@Status", (long)OrchestrationStatus.Pending)
            .With("@Now", context.Now)
            .With("@ScheduledStartAt", started.ScheduledStartAt)
            .With("@Tags", StoredJson.Serialize(started.Tags))
            .WithParent(started.Parent)
            .With("@TraceParent", started.TraceParent)
            .With("@ReadyAt", visibleAt)
            .ExecuteNonQuery();
        context.Command("Instances/InsertPayloads")
            .With("@InstanceId", instance.InstanceId)
            .With("@Input", started.Input)
            .ExecuteNonQuery();
        InsertMessage(context, instance.InstanceId, started.ExecutionId, HistoryEventType.ExecutionStarted, visibleAt, startedJson);
        context.Effects.InstanceChanged(instance.InstanceId);
        context.Effects.OrchestrationWork = true;
    }

    /// <summary>Puts a message into an instance's inbox and wakes the instance; false (nothing written) if it does not exist.</summary>
    private static bool Enqueue(WriteContext context, InstanceMessage message, string eventJson)
    {
        var visibleAt = message.VisibleAt ?? context.Now;
        var type = message.Event.EventType;
        if (InsertMessage(context, message.InstanceId, message.ExecutionId, type, visibleAt, eventJson) == 0)
        {
            return false;
        }

        context.Command("Messages/Wake")
            .With("@InstanceId", message.InstanceId)
            .With("@VisibleAt", visibleAt)
            .With("@EventType", (long)type)
            .ExecuteNonQuery();
        context.Effects.OrchestrationWork = true;
        return true;
    }

    private static int InsertMessage(
        WriteContext context, string instanceId, string? executionId, HistoryEventType type, DateTimeOffset visibleAt, string eventJson) =>
        context.Command("Messages/Insert")
            .With("@InstanceId", instanceId)
            .With("@ExecutionId", executionId)
            .With("@EventType", (long)type)
            .With("@VisibleAt", visibleAt)
            .With("@Event", eventJson)
            .ExecuteNonQuery();
}
