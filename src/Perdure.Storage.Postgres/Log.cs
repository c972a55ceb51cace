using Microsoft.Extensions.Logging;

namespace Perdure.Storage.Postgres;

/// <summary>The PostgreSQL store's log messages. Event ids are stable (5000-5999) and never change meaning.</summary>
internal static partial class Log
{
    [LoggerMessage(5000, LogLevel.Information, "PostgreSQL store opened schema '{Schema}' for task hub '{TaskHub}' (schema version {Version}).")]
    public static partial void Opened(ILogger logger, string schema, string taskHub, int version);

    [LoggerMessage(5001, LogLevel.Information, "Applied PostgreSQL schema script {Version} '{Name}' to schema '{Schema}'.")]
    public static partial void SchemaApplied(ILogger logger, int version, string name, string schema);

    [LoggerMessage(5010, LogLevel.Warning, "A PostgreSQL transaction failed on a conflict ({SqlState}) and runs again (attempt {Attempt}).")]
    public static partial void TransactionRetried(ILogger logger, string sqlState, int attempt);

    [LoggerMessage(5012, LogLevel.Warning, "A PostgreSQL connection failed before its transaction committed; the idle pool is cleared and the request runs again (attempt {Attempt}).")]
    public static partial void ConnectionRetried(ILogger logger, Exception exception, int attempt);

    [LoggerMessage(5011, LogLevel.Warning, "Another worker already committed history #{SequenceNumber} of '{InstanceId}'; this step is dropped.")]
    public static partial void DuplicateStep(ILogger logger, string instanceId, int sequenceNumber);

    [LoggerMessage(5013, LogLevel.Trace, "Committed a group of {Count} write requests in one PostgreSQL transaction.")]
    public static partial void GroupCommitted(ILogger logger, int count);

    [LoggerMessage(5014, LogLevel.Debug, "A group of {Count} write requests failed before COMMIT and was rolled back; each runs again alone.")]
    public static partial void GroupSplit(ILogger logger, int count, Exception exception);

    [LoggerMessage(5020, LogLevel.Warning, "The PostgreSQL LISTEN connection failed; polling every {Interval} until it is back.")]
    public static partial void ListenFailed(ILogger logger, Exception exception, TimeSpan interval);

    [LoggerMessage(5021, LogLevel.Information, "The PostgreSQL LISTEN connection is back on channel '{Channel}'.")]
    public static partial void Listening(ILogger logger, string channel);
}
