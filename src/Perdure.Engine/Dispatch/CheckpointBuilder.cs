using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Dispatch;

/// <summary>Turns what a step produced into the one atomic <see cref="OrchestrationCheckpoint"/> the store commits.</summary>
internal static class CheckpointBuilder
{
    public static OrchestrationCheckpoint Build(InstanceState before, OrchestrationRuntime runtime, StepOutput step, DateTimeOffset now)
    {
        var executionId = before.ExecutionId;
        // Most steps schedule an activity or two and nothing else: lists are made only when something goes into them.
        List<ActivityTask>? activities = null;
        List<InstanceMessage>? messages = null;
        List<NewInstance>? children = null;
        var entityMessages = new EntityMessageList(before.InstanceId, now);
        foreach (var e in step.NewEvents)
        {
            switch (e)
            {
                case EntityOperationCalledEvent or EntityOperationSignaledEvent or EntityLockRequestedEvent or EntityUnlockSentEvent:
                    entityMessages.AddFor(e, executionId);
                    break;
                case TaskScheduledEvent scheduled:
                    (activities ??= []).Add(new ActivityTask(before.InstanceId, executionId, scheduled));
                    break;
                case TimerCreatedEvent timer:
                    (messages ??= []).Add(new InstanceMessage
                    {
                        InstanceId = before.InstanceId,
                        ExecutionId = executionId,
                        VisibleAt = timer.FireAt,
                        Event = new TimerFiredEvent { TimerId = timer.EventId, FireAt = timer.FireAt, Timestamp = timer.FireAt },
                    });
                    break;
                case SubOrchestrationCreatedEvent sub:
                    (children ??= []).Add(new NewInstance
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
                    (messages ??= []).Add(new InstanceMessage
                    {
                        InstanceId = sent.InstanceId,
                        Event = new EventRaisedEvent { Name = sent.Name, Input = sent.Input, Timestamp = now },
                    });
                    break;
            }
        }

        foreach (var late in step.LateGrants)
        {
            entityMessages.AddReleases(late.ExecutionId, late.LockRequestId, late.LockSet);
        }

        if (step.ExtraMessages.Count > 0)
        {
            (messages ??= []).AddRange(step.ExtraMessages);
        }

        var outcome = runtime.Outcome;
        var status = outcome?.Status switch
        {
            null => runtime.IsSuspended ? OrchestrationStatus.Suspended : OrchestrationStatus.Running,
            OrchestrationStatus.ContinuedAsNew => OrchestrationStatus.Running,
            var ended => ended.Value,
        };

        // The row is immutable: a step that changes neither status nor custom status keeps it as it is.
        var instance = status == before.Status && string.Equals(runtime.CustomStatus, before.CustomStatus, StringComparison.Ordinal)
            ? before
            : before with { Status = status, CustomStatus = runtime.CustomStatus };

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
            (messages ??= []).Add(new InstanceMessage
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
                (messages ??= []).AddRange(runtime.BufferedEvents.Select(e => new InstanceMessage
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
                (messages ??= []).Add(ResultToParent(parent, outcome, before.InstanceId, now));
            }
        }

        return new OrchestrationCheckpoint
        {
            ExecutionId = executionId,
            NewEvents = step.NewEvents,
            NewExecutionId = newExecutionId,
            Instance = instance,
            ConsumedMessageIds = step.ConsumedMessageIds,
            ActivityTasks = activities ?? (IReadOnlyList<ActivityTask>)[],
            Messages = messages ?? (IReadOnlyList<InstanceMessage>)[],
            EntityMessages = entityMessages.Messages,
            SubOrchestrations = children ?? (IReadOnlyList<NewInstance>)[],
        };
    }

    /// <summary>
    /// A checkpoint that fails the instance without its runtime (which is stuck in user code): records the failure,
    /// consumes the step's messages and tells a parent.
    /// </summary>
    /// <remarks>
    /// Locks the execution's recorded history still holds (a lock request with no <see cref="EntityUnlockSentEvent"/>
    /// after it) are released, as at any end of an execution, and so are grants among the consumed messages.
    /// </remarks>
    public static OrchestrationCheckpoint FailInstance(
        OrchestrationWorkItem workItem, IReadOnlyList<HistoryEvent> history, FailureDetails failure, DateTimeOffset now)
    {
        var before = workItem.Instance;
        var outcome = new ExecutionOutcome(OrchestrationStatus.Failed, null, failure);
        List<HistoryEvent> newEvents = [new OrchestratorStartedEvent { Timestamp = now }];
        var ledger = new LockLedger();
        foreach (var e in history)
        {
            ledger.Note(e);
        }

        newEvents.AddRange(ledger.ReleaseAll(0, now));
        newEvents.Add(new ExecutionCompletedEvent { Status = OrchestrationStatus.Failed, Failure = failure, Timestamp = now });
        var entityMessages = new EntityMessageList(before.InstanceId, now);
        foreach (var e in newEvents)
        {
            entityMessages.AddFor(e, before.ExecutionId);
        }

        entityMessages.AnswerGrants(workItem.Messages, before.ExecutionId);
        return new OrchestrationCheckpoint
        {
            ExecutionId = before.ExecutionId,
            NewEvents = newEvents,
            Instance = before with { Status = OrchestrationStatus.Failed, Failure = failure, CompletedAt = now },
            ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
            Messages = before.Parent is { } parent ? [ResultToParent(parent, outcome, before.InstanceId, now)] : [],
            EntityMessages = entityMessages.Messages,
        };
    }

    /// <summary>
    /// A checkpoint that only consumes messages an ended instance can no longer use. A lock grant among them is answered
    /// with releases to every entity of its lock set: its lock request was still travelling when the execution ended.
    /// </summary>
    public static OrchestrationCheckpoint DropMessages(OrchestrationWorkItem workItem, DateTimeOffset now)
    {
        var entityMessages = new EntityMessageList(workItem.Instance.InstanceId, now);
        entityMessages.AnswerGrants(workItem.Messages, workItem.Instance.ExecutionId);
        return new()
        {
            ExecutionId = workItem.Instance.ExecutionId,
            Instance = workItem.Instance,
            ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
            EntityMessages = entityMessages.Messages,
        };
    }

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

    /// <summary>
    /// The entity messages of one checkpoint, in the order their events were recorded (messages from one sender arrive
    /// in the order sent). Releases of one critical section are sent once per checkpoint, however many reasons there are
    /// to send them (a release at the end of the execution and a late grant for the same lock request).
    /// </summary>
    private sealed class EntityMessageList(string instanceId, DateTimeOffset now)
    {
        // Made on first use: most checkpoints send no entity message.
        private HashSet<(string ExecutionId, int LockRequestId)>? _released;
        private List<EntityInboxMessage>? _messages;

        public IReadOnlyList<EntityInboxMessage> Messages => _messages ?? (IReadOnlyList<EntityInboxMessage>)[];

        public void AddFor(HistoryEvent e, string executionId)
        {
            switch (e)
            {
                case EntityOperationCalledEvent called:
                    (_messages ??= []).Add(new EntityInboxMessage
                    {
                        EntityId = called.EntityId,
                        Message = new EntityCallMessage
                        {
                            Operation = called.Operation,
                            Input = called.Input,
                            Caller = new EntityCaller(instanceId, executionId, called.EventId),
                            Timestamp = now,
                        },
                    });
                    break;
                case EntityOperationSignaledEvent signaled:
                    (_messages ??= []).Add(new EntityInboxMessage
                    {
                        EntityId = signaled.EntityId,
                        Message = new EntitySignalMessage
                        {
                            Operation = signaled.Operation, Input = signaled.Input, Sender = instanceId, Timestamp = now,
                        },
                        VisibleAt = signaled.ScheduledAt,
                    });
                    break;
                case EntityLockRequestedEvent requested:
                    (_messages ??= []).Add(new EntityInboxMessage
                    {
                        EntityId = requested.LockSet[0],
                        Message = new EntityLockRequestMessage
                        {
                            Caller = new EntityCaller(instanceId, executionId, requested.EventId),
                            LockSet = requested.LockSet,
                            Position = 0,
                            Timestamp = now,
                        },
                    });
                    break;
                case EntityUnlockSentEvent unlocked:
                    AddReleases(executionId, unlocked.LockRequestId, unlocked.LockSet);
                    break;
            }
        }

        public void AddReleases(string executionId, int lockRequestId, IReadOnlyList<string> lockSet)
        {
            // A grant always names its execution; one that names none, before the instance started, has nobody to release for.
            if (string.IsNullOrEmpty(executionId) || !(_released ??= []).Add((executionId, lockRequestId)))
            {
                return;
            }

            var caller = new EntityCaller(instanceId, executionId, lockRequestId);
            foreach (var entityId in lockSet)
            {
                (_messages ??= []).Add(new EntityInboxMessage
                {
                    EntityId = entityId, Message = new EntityLockReleaseMessage { Caller = caller, Timestamp = now },
                });
            }
        }

        /// <summary>Releases for every lock grant among <paramref name="messages"/>, all of them dropped.</summary>
        public void AnswerGrants(IEnumerable<InstanceMessage> messages, string currentExecutionId)
        {
            foreach (var message in messages)
            {
                if (message.Event is EntityLockGrantedEvent granted)
                {
                    AddReleases(message.ExecutionId ?? currentExecutionId, granted.TaskScheduledId, granted.LockSet);
                }
            }
        }
    }
}
