using Microsoft.Extensions.Logging;
using Npgsql;
using Perdure.Storage.Postgres.Data;

namespace Perdure.Storage.Postgres.Signals;

/// <summary>
/// Holds one connection that LISTENs on the task hub's channel and hands every notification to the store. While the
/// connection is down it calls <see cref="_onLost"/> every <see cref="_pollInterval"/> (the bounded poll) and tries to
/// listen again; once it is back it calls it once more, since notifications sent meanwhile were lost. The poll runs
/// on real time, not on the store's clock: it is about the network, not about business time.
/// </summary>
internal sealed class NotificationListener : IAsyncDisposable
{
    /// <summary>How long the connection may stay quiet before the listener checks that it still reaches the server.</summary>
    private static readonly TimeSpan QuietCheckInterval = TimeSpan.FromSeconds(15);

    private readonly NpgsqlDataSource _dataSource;
    private readonly string _channel;
    private readonly TimeSpan _pollInterval;
    private readonly ILogger _logger;
    private readonly Action<string> _onNotification;
    private readonly Action _onLost;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource _firstListen = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _loop;
    private TaskCompletionSource _nextListen = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public NotificationListener(
        NpgsqlDataSource dataSource, string channel, TimeSpan pollInterval, ILogger logger,
        Action<string> onNotification, Action onLost)
    {
        _dataSource = dataSource;
        _channel = channel;
        _pollInterval = pollInterval;
        _logger = logger;
        _onNotification = onNotification;
        _onLost = onLost;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Completes once the first LISTEN is in place (or failed), so commits after start-up are not missed.</summary>
    public Task Started => _firstListen.Task;

    /// <summary>Completes when the next LISTEN is in place (after a reconnection); for tests.</summary>
    internal Task NextListen
    {
        get
        {
            lock (_gate)
            {
                return _nextListen.Task;
            }
        }
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
            // Stopping is the expected way out.
        }

        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stop.Token;
        var failed = false;
        while (!token.IsCancellationRequested)
        {
            try
            {
                var connection = await _dataSource.OpenConnectionAsync(token).ConfigureAwait(false);
                await using (connection.ConfigureAwait(false))
                {
                    connection.Notification += (_, e) => _onNotification(e.Payload);

                    // The channel name is made of "perdure_" and hex digits only (PostgresStore.ChannelOf), so quoting it is enough.
                    await using (var listen = new NpgsqlCommand($"LISTEN \"{_channel}\"", connection))
                    {
                        await listen.ExecuteNonQueryAsync(token).ConfigureAwait(false);
                    }

                    _firstListen.TrySetResult();
                    TaskCompletionSource listened;
                    lock (_gate)
                    {
                        listened = _nextListen;
                        _nextListen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    listened.TrySetResult();
                    if (failed)
                    {
                        failed = false;
                        Log.Listening(_logger, _channel);
                        _onLost();
                    }

                    while (true)
                    {
                        if (!await connection.WaitAsync(QuietCheckInterval, token).ConfigureAwait(false))
                        {
                            await using var ping = new NpgsqlCommand(Sql.Get("Notify/Ping"), connection);
                            await ping.ExecuteScalarAsync(token).ConfigureAwait(false);
                        }
                    }
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or TimeoutException or InvalidOperationException or IOException)
            {
                if (!failed)
                {
                    Log.ListenFailed(_logger, ex, _pollInterval);
                }

                failed = true;
                _firstListen.TrySetResult();
                _onLost();
                try
                {
                    await Task.Delay(_pollInterval, token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
