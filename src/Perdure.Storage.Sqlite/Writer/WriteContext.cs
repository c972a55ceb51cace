using Microsoft.Data.Sqlite;
using Perdure.Storage.Sqlite.Data;

namespace Perdure.Storage.Sqlite.Writer;

/// <summary>What a write request sees while it runs on the writer thread, inside its own savepoint.</summary>
internal sealed class WriteContext
{
    private readonly SqliteSession _session;

    public WriteContext(SqliteSession session, string taskHub)
    {
        _session = session;
        TaskHub = taskHub;
    }

    /// <summary>The task hub every statement is scoped to.</summary>
    public string TaskHub { get; }

    /// <summary>The store clock's time when the request started; every time the request writes is derived from it.</summary>
    public DateTimeOffset Now { get; set; }

    /// <summary>What this request changes, applied to listeners only if its savepoint is released and the batch commits.</summary>
    public WriteEffects Effects { get; } = new();

    /// <summary>The command for a statement, with <c>@TaskHub</c> bound and the batch's transaction set.</summary>
    public SqliteCommand Command(string name) => _session.Command(name).With("@TaskHub", TaskHub);
}
