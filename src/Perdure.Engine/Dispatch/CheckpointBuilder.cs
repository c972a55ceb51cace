using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Dispatch;

/// <summary>Turns what a step produced into the one atomic <see cref="OrchestrationCheckpoint"/> the store commits.</summary>
internal static class CheckpointBuilder
{
    public static OrchestrationCheckpoint Build(InstanceState before, OrchestrationRuntime runtime, StepOutput step, DateTimeOffset now)
    {
        var executionId = before.ExecutionId;
        var activities = new List<ActivityTask>();
        var messages = new List<InstanceMessage>();
        var children = new List<NewInstance>();
        foreach (var e in step.NewEvents)
        {
            switch (e)
            {
                case TaskScheduledEvent scheduled:
                    activities.Add(new ActivityTask(before.InstanceId, executionId, scheduled));
                    break;
                case TimerCreatedEvent timer:
                    messages.Add(new InstanceMessage
                    {
                        InstanceId = before.InstanceId,
                        ExecutionId = executionId,
                        VisibleAt = timer.FireAt,
                        Event = new TimerFiredEvent { TimerId = timer.EventId, FireAt = timer.FireAt, Timestamp = timer.FireAt },
                    });
                    break;
                case SubOrchestrationCreatedEvent sub:
                    children.Add(new NewInstance
                    {
                        InstanceId = sub.InstanceId,
                        Started = new ExecutionStartedEvent
                        {
                            Name = sub.Name,
                            Version = sub.Version,
                            Input = sub.Input,
                            ExecutionId = NewId(),
                            Parent = new ParentInstance(before.Name, before.InstanceId, executionId, sub.EventId),
                            Tags = sub.Tags,
                            TraceParent = before.TraceParent,
                            Timestamp = now,
                        },
                    });
                    break;
                case EventSentEvent sent:
                    messages.Add(new InstanceMessage
                    {
                        InstanceId = sent.InstanceId,
                        Event = new EventRaisedEvent { Name = sent.Name, Input = sent.Input, Timestamp = now },
                    });
                    break;
            }
        }

        messages.AddRange(step.ExtraMessages);
        var outcome = runtime.Outcome;
        var instance = before with
        {
            Status = outcome?.Status switch
            {
                null => runtime.IsSuspended ? OrchestrationStatus.Suspended : OrchestrationStatus.Running,
                OrchestrationStatus.ContinuedAsNew => OrchestrationStatus.Running,
                var status => status.Value,
            },
            CustomStatus = runtime.CustomStatus,
        };

        string? newExecutionId = null;
        if (outcome is { ContinueAsNew: { } next })
        {
            newExecutionId = NewId();
            instance = instance with
            {
                ExecutionId = newExecutionId,
                Input = next.Input,
                Version = next.Version ?? before.Version,
                Output = null,
                Failure = null,
            };
            messages.Add(new InstanceMessage
            {
                InstanceId = before.InstanceId,
                ExecutionId = newExecutionId,
                Event = runtime.Started! with
                {
                    ExecutionId = newExecutionId,
                    Input = next.Input,
                    Version = next.Version ?? runtime.Started.Version,
                    ScheduledStartAt = null,
                    Timestamp = now,
                },
            });
            if (next.PreserveUnprocessedEvents)
            {
                // Addressed to the new execution, which applies them right after its start, ahead of later arrivals.
                messages.AddRange(runtime.BufferedEvents.Select(e => new InstanceMessage
                {
                    InstanceId = before.InstanceId, ExecutionId = newExecutionId, Event = e,
                }));
            }
        }
        else if (outcome is not null)
        {
            instance = instance with { Output = outcome.Output, Failure = outcome.Failure, CompletedAt = now };
            if ((runtime.Started?.Parent ?? before.Parent) is { } parent)
            {
                messages.Add(ResultToParent(parent, outcome, before.InstanceId, now));
            }
        }

        return new OrchestrationCheckpoint
        {
            ExecutionId = executionId,
            NewEvents = step.NewEvents,
            NewExecutionId = newExecutionId,
            Instance = instance,
            ConsumedMessageIds = step.ConsumedMessageIds,
            ActivityTasks = activities,
            Messages = messages,
            SubOrchestrations = children,
        };
    }

    /// <summary>
    /// A checkpoint that fails the instance without its runtime (which is stuck in user code): records the failure,
    /// consumes the step's messages and tells a parent.
    /// </summary>
    public static OrchestrationCheckpoint FailInstance(OrchestrationWorkItem workItem, FailureDetails failure, DateTimeOffset now)
    {
        var before = workItem.Instance;
        var outcome = new ExecutionOutcome(OrchestrationStatus.Failed, null, failure);
        return new OrchestrationCheckpoint
        {
            ExecutionId = before.ExecutionId,
            NewEvents =
            [
                new OrchestratorStartedEvent { Timestamp = now },
                new ExecutionCompletedEvent { Status = OrchestrationStatus.Failed, Failure = failure, Timestamp = now },
            ],
            Instance = before with { Status = OrchestrationStatus.Failed, Failure = failure, CompletedAt = now },
            ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
            Messages = before.Parent is { } parent ? [ResultToParent(parent, outcome, before.InstanceId, now)] : [],
        };
    }

    /// <summary>A checkpoint that only consumes messages an ended instance can no longer use.</summary>
    public static OrchestrationCheckpoint DropMessages(OrchestrationWorkItem workItem) => new()
    {
        ExecutionId = workItem.Instance.ExecutionId,
        Instance = workItem.Instance,
        ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
    };

    private static InstanceMessage ResultToParent(ParentInstance parent, ExecutionOutcome outcome, string childId, DateTimeOffset now)
    {
        HistoryEvent result = outcome.Status switch
        {
            OrchestrationStatus.Completed => new SubOrchestrationCompletedEvent
            {
                TaskScheduledId = parent.TaskScheduledId, Result = outcome.Output, Timestamp = now,
            },
            OrchestrationStatus.Terminated => new SubOrchestrationFailedEvent
            {
                TaskScheduledId = parent.TaskScheduledId,
                Failure = new FailureDetails("Perdure.SubOrchestrationTerminated", $"Sub-orchestration '{childId}' was terminated.")
                {
                    IsNonRetriable = true,
                },
                Timestamp = now,
            },
            _ => new SubOrchestrationFailedEvent
            {
                TaskScheduledId = parent.TaskScheduledId,
                Failure = outcome.Failure ?? new FailureDetails("Perdure.SubOrchestrationFailed", $"Sub-orchestration '{childId}' failed."),
                Timestamp = now,
            },
        };
        return new InstanceMessage { InstanceId = parent.InstanceId, ExecutionId = parent.ExecutionId, Event = result };
    }

    private static string NewId() => Guid.NewGuid().ToString("N");
}
