using Microsoft.Data.Sqlite;

namespace Perdure.Storage.Sqlite.Data;

/// <summary>
/// One open connection with its prepared statements. Commands are created once per statement and reused, so each
/// statement is compiled once per connection. Not thread-safe: one user at a time (the writer thread, or a reader that
/// rented it from the pool).
/// </summary>
internal sealed class SqliteSession : IDisposable
{
    private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

    public SqliteSession(SqliteConnection connection) => Connection = connection;

    public SqliteConnection Connection { get; }

    /// <summary>The transaction commands join; set by the writer for the span of a batch.</summary>
    public SqliteTransaction? Transaction { get; set; }

    /// <summary>The command for statement <paramref name="name"/>, with no parameters bound yet.</summary>
    public SqliteCommand Command(string name)
    {
        if (!_commands.TryGetValue(name, out var command))
        {
            command = Connection.CreateCommand();
#pragma warning disable CA2100 // The text is an embedded resource of this assembly, never user input; values are parameters.
            command.CommandText = Sql.Get(name);
#pragma warning restore CA2100
            _commands[name] = command;
        }

        command.Parameters.Clear();
        command.Transaction = Transaction;
        return command;
    }

    /// <summary>Runs a statement that returns nothing and gives the number of rows it changed.</summary>
    public int Execute(string name) => Command(name).ExecuteNonQuery();

    public void Dispose()
    {
        foreach (var command in _commands.Values)
        {
            command.Dispose();
        }

        _commands.Clear();
        Connection.Dispose();
    }
}
