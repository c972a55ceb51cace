using System.Collections.Concurrent;

namespace Perdure.Storage.Sqlite.Data;

/// <summary>
/// Reader connections, lent to one caller at a time. In WAL mode readers never wait for the writer, and each statement
/// reads one consistent snapshot.
/// </summary>
internal sealed class ReaderPool : IDisposable
{
    private const int MaxIdle = 8;
    private readonly SqliteConnections _connections;
    private readonly ConcurrentBag<SqliteSession> _idle = [];
    private bool _disposed;

    public ReaderPool(SqliteConnections connections) => _connections = connections;

    public T Read<T>(Func<SqliteSession, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (!_idle.TryTake(out var session))
        {
            session = _connections.OpenReader();
        }

        try
        {
            return read(session);
        }
        finally
        {
            if (_disposed || _idle.Count >= MaxIdle)
            {
                session.Dispose();
            }
            else
            {
                _idle.Add(session);
            }
        }
    }

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var session))
        {
            session.Dispose();
        }
    }
}
