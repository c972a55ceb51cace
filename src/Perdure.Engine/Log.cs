using Microsoft.Extensions.Logging;

namespace Perdure.Engine;

/// <summary>The engine's log messages. Event ids are stable (2000-2999) and never change meaning.</summary>
internal static partial class Log
{
    [LoggerMessage(2000, LogLevel.Information, "Perdure worker '{WorkerId}' started on task hub '{TaskHub}' (orchestrations: {OrchestrationConcurrency}, activities: {ActivityConcurrency}).")]
    public static partial void WorkerStarted(ILogger logger, string workerId, string taskHub, int orchestrationConcurrency, int activityConcurrency);

    [LoggerMessage(2001, LogLevel.Information, "Perdure worker '{WorkerId}' stopped.")]
    public static partial void WorkerStopped(ILogger logger, string workerId);

    [LoggerMessage(2010, LogLevel.Error, "Orchestration '{InstanceId}' failed: {Reason}")]
    public static partial void OrchestrationFailedByEngine(ILogger logger, string instanceId, string reason);

    [LoggerMessage(2011, LogLevel.Warning, "The lease on '{InstanceId}' was lost before its step committed; another worker owns it now. The step is dropped.")]
    public static partial void OrchestrationLeaseLost(ILogger logger, string instanceId);

    [LoggerMessage(2012, LogLevel.Error, "A step of orchestration '{InstanceId}' did not finish within {Timeout}; the orchestrator blocks its thread (Thread.Sleep, .Result or .Wait() on a task?). The step is abandoned and retried in {RetryAfter}.")]
    public static partial void OrchestrationStepDeadlocked(ILogger logger, string instanceId, TimeSpan timeout, TimeSpan retryAfter);

    [LoggerMessage(2013, LogLevel.Error, "Processing orchestration '{InstanceId}' failed; it is retried in {RetryAfter}.")]
    public static partial void OrchestrationStepError(ILogger logger, Exception exception, string instanceId, TimeSpan retryAfter);

    [LoggerMessage(2014, LogLevel.Debug, "Dropped {Count} message(s) for orchestration '{InstanceId}', which is {Status}.")]
    public static partial void MessagesDropped(ILogger logger, int count, string instanceId, string status);

    [LoggerMessage(2020, LogLevel.Warning, "The lease on activity '{Name}' (task {TaskId}) of '{InstanceId}' was lost; its result is dropped and another worker runs it again.")]
    public static partial void ActivityLeaseLost(ILogger logger, string name, long taskId, string instanceId);

    [LoggerMessage(2021, LogLevel.Error, "Completing activity '{Name}' of '{InstanceId}' failed; it is retried in {RetryAfter}.")]
    public static partial void ActivityCompleteError(ILogger logger, Exception exception, string name, string instanceId, TimeSpan retryAfter);

    [LoggerMessage(2030, LogLevel.Error, "The {Kind} dispatcher could not claim work; it retries in {RetryAfter}.")]
    public static partial void ClaimError(ILogger logger, Exception exception, string kind, TimeSpan retryAfter);

    [LoggerMessage(2031, LogLevel.Warning, "The {Kind} dispatcher could not read when delayed work comes due; it sleeps until a signal or {Wait}.")]
    public static partial void NextDueError(ILogger logger, Exception exception, string kind, TimeSpan wait);

    [LoggerMessage(2032, LogLevel.Error, "Processing a {Kind} work item failed unexpectedly; its lease runs out and it is claimed again.")]
    public static partial void ProcessError(ILogger logger, Exception exception, string kind);

    [LoggerMessage(2040, LogLevel.Warning, "The lease on entity '{EntityId}' was lost before its batch committed; another worker owns it now. The batch is dropped and runs again there.")]
    public static partial void EntityLeaseLost(ILogger logger, string entityId);

    [LoggerMessage(2041, LogLevel.Error, "Processing a batch of entity '{EntityId}' failed; it is retried in {RetryAfter}.")]
    public static partial void EntityBatchError(ILogger logger, Exception exception, string entityId, TimeSpan retryAfter);

    [LoggerMessage(2042, LogLevel.Warning, "Signal '{Operation}' to entity '{EntityId}' failed with {ErrorType}: {ErrorMessage}")]
    public static partial void EntitySignalFailed(ILogger logger, string entityId, string operation, string errorType, string errorMessage);

    [LoggerMessage(2043, LogLevel.Warning, "Entity '{EntityId}' started orchestration '{InstanceId}', but an instance with that id is still pending, running or suspended; it was left alone and nothing was started.")]
    public static partial void EntityStartLeftAlone(ILogger logger, string entityId, string instanceId);
}
