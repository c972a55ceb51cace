using Microsoft.Extensions.Logging;
using Perdure.Storage.Sqlite.Data;

namespace Perdure.Storage.Sqlite.Signals;

/// <summary>
/// The safety net for commits of other processes on the same file, which no in-process signal announces: every
/// <see cref="SqliteStoreOptions.SafetyPollInterval"/> it reads SQLite's <c>data_version</c> on a connection of its own
/// and, when it moved, wakes dispatchers and waiters. One cheap read per interval, whatever the number of waiters.
/// </summary>
/// <remarks>
/// The number also moves on this process's own commits (they come from another connection), so a busy store wakes
/// everyone once per interval for nothing; that costs one claim and one read per waiter, and is bounded.
/// </remarks>
internal sealed class ExternalChangeWatcher : IAsyncDisposable
{
    private readonly SqliteSession _session;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly Action _changed;
    private readonly ILogger _logger;
    private readonly string _path;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    public ExternalChangeWatcher(SqliteSession session, TimeSpan interval, TimeProvider time, Action changed, ILogger logger, string path)
    {
        _session = session;
        _interval = interval > TimeSpan.Zero ? interval : TimeSpan.FromSeconds(1);
        _time = time;
        _changed = changed;
        _logger = logger;
        _path = path;
        // The first reading and the first timer are taken here, synchronously: a commit made after construction is
        // always seen as a change, and a clock advanced after construction always reaches the timer.
        _loop = RunAsync(ReadVersion());
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _loop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        _stop.Dispose();
        _session.Dispose();
    }

    private async Task RunAsync(long? last)
    {
        while (!_stop.IsCancellationRequested)
        {
            await Task.Delay(_interval, _time, _stop.Token).ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
            var version = ReadVersion();
            if (version is not null && last is not null && version != last)
            {
                _changed();
            }

            last = version ?? last;
        }
    }

    private long? ReadVersion()
    {
        try
        {
            return (long)_session.Command("Connection/DataVersion").ExecuteScalar()!;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.WatchFailed(_logger, ex, _path);
            return null;
        }
    }
}
