using Microsoft.Extensions.Logging;

namespace Perdure.Storage.Sqlite;

/// <summary>The SQLite store's log messages. Event ids are stable (4000-4999) and never change meaning.</summary>
internal static partial class Log
{
    [LoggerMessage(4000, LogLevel.Information, "SQLite store opened '{Path}' for task hub '{TaskHub}' (schema version {Version}, synchronous={Synchronous}).")]
    public static partial void Opened(ILogger logger, string path, string taskHub, int version, SqliteSynchronous synchronous);

    [LoggerMessage(4001, LogLevel.Information, "Applied SQLite schema script {Version} '{Name}' to '{Path}'.")]
    public static partial void SchemaApplied(ILogger logger, int version, string name, string path);

    [LoggerMessage(4010, LogLevel.Error, "A SQLite write batch of {Count} request(s) failed as a whole and was rolled back; each caller gets the error.")]
    public static partial void BatchFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(4011, LogLevel.Error, "Waking dispatchers and waiters after a SQLite commit failed; they are woken by the next safety poll.")]
    public static partial void SignalFailed(ILogger logger, Exception exception);

    [LoggerMessage(4020, LogLevel.Warning, "Checking '{Path}' for commits of other processes failed; retrying at the next safety poll.")]
    public static partial void WatchFailed(ILogger logger, Exception exception, string path);
}
