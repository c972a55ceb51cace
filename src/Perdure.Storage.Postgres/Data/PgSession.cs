using Npgsql;
using Perdure.Core;

namespace Perdure.Storage.Postgres.Data;

/// <summary>
/// One transaction (or, for reads, one connection) of the store: builds commands from the embedded statements with
/// <c>@TaskHub</c> bound, and collects what a write changed so the store can wake dispatchers and waiters after commit.
/// </summary>
internal sealed class PgSession(NpgsqlConnection connection, NpgsqlTransaction? transaction, string taskHub, DateTimeOffset now)
{
    /// <summary>The store's clock when the transaction began: every time the transaction writes.</summary>
    public DateTimeOffset Now { get; } = now;

    public string TaskHub { get; } = taskHub;

    /// <summary>Orchestration work may have become visible (or delayed orchestration work was added).</summary>
    public bool OrchestrationWork { get; set; }

    /// <summary>Activity work may have become visible (or delayed activity work was added).</summary>
    public bool ActivityWork { get; set; }

    /// <summary>Entity work may have become visible (or a delayed entity message or back-off was added).</summary>
    public bool EntityWork { get; set; }

    /// <summary>
    /// The instances whose rows changed, each with the row as committed when the write knows it exactly (a checkpoint),
    /// else null (waiters read it again); a later write replaces an earlier one's entry.
    /// </summary>
    public Dictionary<string, InstanceState?> Instances { get; } = new(StringComparer.Ordinal);

    /// <summary>Every instance of the hub may have changed.</summary>
    public bool AllInstances { get; set; }

    /// <summary>Adds what <paramref name="other"/> changed to what this session announces (a group's requests share one NOTIFY).</summary>
    public void Include(PgSession other)
    {
        OrchestrationWork |= other.OrchestrationWork;
        ActivityWork |= other.ActivityWork;
        EntityWork |= other.EntityWork;
        AllInstances |= other.AllInstances;
        if (!AllInstances)
        {
            foreach (var (id, state) in other.Instances)
            {
                Instances[id] = state;
            }
        }
    }

    /// <summary>Records that an instance's row changed in a way readers must read again to see.</summary>
    public void InstanceChanged(string instanceId) => Instances[instanceId] = null;

    /// <summary>Records that an instance's row is now exactly <paramref name="committed"/> (payloads included).</summary>
    public void InstanceWritten(InstanceState committed) => Instances[committed.InstanceId] = committed;

    public NpgsqlCommand Command(string statement)
    {
        var command = new NpgsqlCommand(Sql.Get(statement), connection, transaction);
        if (command.CommandText.Contains("@TaskHub", StringComparison.Ordinal))
        {
            command.With("@TaskHub", TaskHub);
        }

        return command;
    }

    /// <summary>One statement for a batch of this session's (<see cref="Batch"/>), with <c>@TaskHub</c> bound if it uses it.</summary>
    public NpgsqlBatchCommand Statement(string statement)
    {
        var command = new NpgsqlBatchCommand(Sql.Get(statement));
        if (command.CommandText.Contains("@TaskHub", StringComparison.Ordinal))
        {
            command.With("@TaskHub", TaskHub);
        }

        return command;
    }

    /// <summary>
    /// Several statements sent in one round trip. Each runs with a snapshot of its own taken when it starts (READ
    /// COMMITTED), so a later statement sees what the earlier ones locked and everything committed before those locks.
    /// Bind parameters with <see cref="PgCommandExtensions.With(NpgsqlBatch, string, string?)"/> and friends.
    /// </summary>
    public NpgsqlBatch Batch(params string[] statements)
    {
        var batch = new NpgsqlBatch(connection, transaction);
        foreach (var statement in statements)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql.Get(statement)));
        }

        return batch.With("@TaskHub", TaskHub);
    }
}
