using Microsoft.Extensions.Logging;
using Perdure.Core;

namespace Perdure.Client;

/// <summary>The client's log messages. Event ids 3000-3999 belong to Perdure.Client and never change.</summary>
internal static partial class Log
{
    [LoggerMessage(EventId = 3000, Level = LogLevel.Information,
        Message = "Scheduling orchestration '{Name}' as instance '{InstanceId}' (start at {ScheduledStartAt})")]
    public static partial void SchedulingOrchestration(ILogger logger, string instanceId, string name, DateTimeOffset? scheduledStartAt);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information,
        Message = "Instance '{InstanceId}' is {Status} and its id is reused: terminating it before starting the new one")]
    public static partial void TerminatingBeforeReuse(ILogger logger, string instanceId, OrchestrationStatus status);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Information,
        Message = "Restarting orchestration instance '{InstanceId}' as '{NewInstanceId}'")]
    public static partial void RestartingOrchestration(ILogger logger, string instanceId, string newInstanceId);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Debug,
        Message = "Event '{EventName}' for instance '{InstanceId}' was discarded: the instance does not exist or has finished")]
    public static partial void EventDiscarded(ILogger logger, string eventName, string instanceId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Debug,
        Message = "Terminate request for instance '{InstanceId}' ignored: the instance does not exist or has finished")]
    public static partial void TerminateIgnored(ILogger logger, string instanceId);
}
