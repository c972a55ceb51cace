using System.Collections.Immutable;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Core;
using Perdure.Core.History;
using Dtf = DurableTask.Core;
using DtfHistory = DurableTask.Core.History;

namespace Perdure.Client;

/// <summary>Translations between Perdure's engine-neutral model and the SDK's types (plain data only).</summary>
internal static class SdkMapping
{
    // DurableTask.Core numbers events without a task id as -1.
    private const int NoTaskId = -1;

    /// <summary>Perdure's statuses carry the SDK's numbers, so the mapping is a cast.</summary>
    public static OrchestrationRuntimeStatus ToSdk(OrchestrationStatus status) => (OrchestrationRuntimeStatus)(int)status;

    /// <inheritdoc cref="ToSdk(OrchestrationStatus)"/>
    public static OrchestrationStatus ToCore(OrchestrationRuntimeStatus status) => (OrchestrationStatus)(int)status;

    public static OrchestrationMetadata ToMetadata(InstanceState state, bool includePayloads, DataConverter dataConverter) =>
        new(state.Name, state.InstanceId)
        {
            RuntimeStatus = ToSdk(state.Status),
            CreatedAt = state.CreatedAt.ToUniversalTime(),
            LastUpdatedAt = state.LastUpdatedAt.ToUniversalTime(),
            SerializedInput = includePayloads ? state.Input : null,
            SerializedOutput = includePayloads ? state.Output : null,
            SerializedCustomStatus = includePayloads ? state.CustomStatus : null,
            FailureDetails = includePayloads ? ToTaskFailureDetails(state.Failure) : null,
            Tags = state.Tags is { Count: > 0 } tags
                ? tags.ToImmutableDictionary(StringComparer.Ordinal)
                : ImmutableDictionary<string, string>.Empty,
            DataConverter = includePayloads ? dataConverter : null,
        };

    public static TaskFailureDetails? ToTaskFailureDetails(FailureDetails? failure) => failure is null
        ? null
        : new TaskFailureDetails(
            failure.ErrorType, failure.ErrorMessage, failure.StackTrace, ToTaskFailureDetails(failure.InnerFailure), Properties: null);

    public static Dtf.FailureDetails? ToCoreFailureDetails(FailureDetails? failure) => failure is null
        ? null
        : new Dtf.FailureDetails(
            failure.ErrorType, failure.ErrorMessage, failure.StackTrace, ToCoreFailureDetails(failure.InnerFailure), failure.IsNonRetriable);

    public static List<DtfHistory.HistoryEvent> ToSdkHistory(IEnumerable<HistoryEvent> history, string instanceId, string executionId) =>
        [.. history.Select(e => ToSdk(e, instanceId, executionId))];

    public static DtfHistory.HistoryEvent ToSdk(HistoryEvent historyEvent, string instanceId, string executionId)
    {
        DtfHistory.HistoryEvent mapped = historyEvent switch
        {
            ExecutionStartedEvent e => new DtfHistory.ExecutionStartedEvent(NoTaskId, e.Input)
            {
                OrchestrationInstance = new Dtf.OrchestrationInstance { InstanceId = instanceId, ExecutionId = e.ExecutionId },
                Name = e.Name,
                Version = e.Version,
                Tags = e.Tags is null ? null : new Dictionary<string, string>(e.Tags, StringComparer.Ordinal),
                ParentInstance = e.Parent is { } parent
                    ? new Dtf.ParentInstance
                    {
                        Name = parent.Name,
                        TaskScheduleId = parent.TaskScheduledId,
                        OrchestrationInstance = new Dtf.OrchestrationInstance
                        {
                            InstanceId = parent.InstanceId,
                            ExecutionId = parent.ExecutionId,
                        },
                    }
                    : null,
                ScheduledStartTime = e.ScheduledStartAt?.UtcDateTime,
                ParentTraceContext = e.TraceParent is null ? null : new Dtf.Tracing.DistributedTraceContext(e.TraceParent, traceState: null),
            },
            ExecutionCompletedEvent e => new DtfHistory.ExecutionCompletedEvent(
                NoTaskId, e.Result, (Dtf.OrchestrationStatus)(int)e.Status, ToCoreFailureDetails(e.Failure)),
            ExecutionTerminatedEvent e => new DtfHistory.ExecutionTerminatedEvent(NoTaskId, e.Output),
            ExecutionSuspendedEvent e => new DtfHistory.ExecutionSuspendedEvent(NoTaskId, e.Reason),
            ExecutionResumedEvent e => new DtfHistory.ExecutionResumedEvent(NoTaskId, e.Reason),
            OrchestratorStartedEvent => new DtfHistory.OrchestratorStartedEvent(NoTaskId),
            TaskScheduledEvent e => new DtfHistory.TaskScheduledEvent(e.EventId, e.Name, e.Version, e.Input)
            {
                Tags = e.Tags is null ? null : new Dictionary<string, string>(e.Tags, StringComparer.Ordinal),
            },
            TaskCompletedEvent e => new DtfHistory.TaskCompletedEvent(NoTaskId, e.TaskScheduledId, e.Result),
            TaskFailedEvent e => new DtfHistory.TaskFailedEvent(
                NoTaskId, e.TaskScheduledId, e.Failure.ErrorMessage, e.Failure.StackTrace, ToCoreFailureDetails(e.Failure)),
            SubOrchestrationCreatedEvent e => new DtfHistory.SubOrchestrationInstanceCreatedEvent(e.EventId)
            {
                Name = e.Name,
                Version = e.Version,
                InstanceId = e.InstanceId,
                Input = e.Input,
                Tags = e.Tags is null ? null : new Dictionary<string, string>(e.Tags, StringComparer.Ordinal),
            },
            SubOrchestrationCompletedEvent e => new DtfHistory.SubOrchestrationInstanceCompletedEvent(NoTaskId, e.TaskScheduledId, e.Result),
            SubOrchestrationFailedEvent e => new DtfHistory.SubOrchestrationInstanceFailedEvent(
                NoTaskId, e.TaskScheduledId, e.Failure.ErrorMessage, e.Failure.StackTrace, ToCoreFailureDetails(e.Failure)),
            TimerCreatedEvent e => new DtfHistory.TimerCreatedEvent(e.EventId, e.FireAt.UtcDateTime),
            TimerFiredEvent e => new DtfHistory.TimerFiredEvent(NoTaskId, e.FireAt.UtcDateTime) { TimerId = e.TimerId },
            EventRaisedEvent e => new DtfHistory.EventRaisedEvent(NoTaskId, e.Input) { Name = e.Name },
            EventSentEvent e => new DtfHistory.EventSentEvent(e.EventId) { InstanceId = e.InstanceId, Name = e.Name, Input = e.Input },

            // DurableTask.Core has no entity events: what an orchestration sends to an entity shows as an EventSent to the
            // entity id, named after the operation ("lock" and "release" for critical sections); what comes back shows as
            // an EventRaised named after the event, carrying the result, the failure details or the lock set as JSON.
            EntityOperationCalledEvent e => new DtfHistory.EventSentEvent(e.EventId) { InstanceId = e.EntityId, Name = e.Operation, Input = e.Input },
            EntityOperationSignaledEvent e => new DtfHistory.EventSentEvent(e.EventId) { InstanceId = e.EntityId, Name = e.Operation, Input = e.Input },
            EntityLockRequestedEvent e => new DtfHistory.EventSentEvent(e.EventId) { InstanceId = e.LockSet[0], Name = "lock", Input = Json(e.LockSet) },
            EntityUnlockSentEvent e => new DtfHistory.EventSentEvent(e.EventId) { InstanceId = e.LockSet[0], Name = "release", Input = Json(e.LockSet) },
            EntityOperationCompletedEvent e => new DtfHistory.EventRaisedEvent(NoTaskId, e.Result) { Name = nameof(EntityOperationCompletedEvent)[..^5] },
            EntityOperationFailedEvent e => new DtfHistory.EventRaisedEvent(NoTaskId, Json(ToCoreFailureDetails(e.Failure))) { Name = nameof(EntityOperationFailedEvent)[..^5] },
            EntityLockGrantedEvent e => new DtfHistory.EventRaisedEvent(NoTaskId, Json(e.LockSet)) { Name = nameof(EntityLockGrantedEvent)[..^5] },
            _ => throw new InvalidOperationException(
                $"History event {historyEvent.EventType} of instance '{instanceId}' has no DurableTask.Core counterpart; " +
                "this client is older than the store's data. Update Perdure.Client."),
        };
        mapped.Timestamp = historyEvent.Timestamp.UtcDateTime;
        return mapped;
    }

    private static string Json<T>(T value) => System.Text.Json.JsonSerializer.Serialize(value);
}
