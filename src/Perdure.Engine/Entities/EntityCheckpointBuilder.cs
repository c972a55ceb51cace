using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Engine.Entities;

/// <summary>Turns a planned and executed entity batch into the one <see cref="EntityCheckpoint"/> that commits it.</summary>
internal static class EntityCheckpointBuilder
{
    /// <summary>
    /// Builds the checkpoint: the new state and lock holder, a result to every caller, the signals and orchestration starts
    /// of the successful operations, the forwarded lock request or the lock grant, and the consumed messages.
    /// </summary>
    /// <param name="plan">The batch's plan; truncated here if not every operation ran.</param>
    /// <param name="result">What the executor returned for the plan's requests.</param>
    /// <param name="now">The time stamped on every message sent.</param>
    public static EntityCheckpoint Build(EntityBatchPlan plan, EntityBatchResult result, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(result);
        if (result.Results.Count > plan.Operations.Count)
        {
            throw new ArgumentException(
                $"The batch result has {result.Results.Count} results for {plan.Operations.Count} planned operations.", nameof(result));
        }

        plan = plan.Truncate(result.Results.Count);
        var sender = plan.EntityId.ToString();
        var instanceMessages = new List<InstanceMessage>();
        var entityMessages = new List<EntityInboxMessage>();
        var starts = new List<NewInstance>();

        for (var i = 0; i < plan.Operations.Count; i++)
        {
            if (plan.Operations[i].Caller is { } caller)
            {
                instanceMessages.Add(Answer(caller, result.Results[i], now));
            }
        }

        foreach (var action in result.Actions)
        {
            switch (action)
            {
                case SignalEntityAction signal:
                    entityMessages.Add(new EntityInboxMessage
                    {
                        EntityId = signal.Target.ToString(),
                        Message = new EntitySignalMessage { Operation = signal.Operation, Input = signal.Input, Sender = sender, Timestamp = now },
                        VisibleAt = signal.ScheduledAt,
                    });
                    break;
                case StartOrchestrationAction start:
                    starts.Add(new NewInstance
                    {
                        InstanceId = start.InstanceId,
                        Started = new ExecutionStartedEvent
                        {
                            Name = start.Name,
                            Version = start.Version,
                            Input = start.Input,
                            ExecutionId = Guid.NewGuid().ToString("N"),
                            Tags = start.Tags,
                            ScheduledStartAt = start.StartAt,
                            Timestamp = now,
                        },
                    });
                    break;
                default:
                    throw new InvalidOperationException($"Unknown entity action {action.GetType().Name}.");
            }
        }

        if (plan.LockAcquired is { } request)
        {
            if (request.NextEntityId is { } next)
            {
                entityMessages.Add(new EntityInboxMessage { EntityId = next, Message = request.Forwarded(now) });
            }
            else
            {
                instanceMessages.Add(new InstanceMessage
                {
                    InstanceId = request.Caller.InstanceId,
                    ExecutionId = request.Caller.ExecutionId,
                    Event = new EntityLockGrantedEvent { TaskScheduledId = request.Caller.TaskId, LockSet = request.LockSet, Timestamp = now },
                });
            }
        }

        return new EntityCheckpoint
        {
            State = result.State,
            LockHolder = plan.LockHolderAfter,
            ConsumedMessageIds = [.. plan.Consumed.Select(m => m.MessageId)],
            EntityMessages = entityMessages,
            InstanceMessages = instanceMessages,
            NewOrchestrations = starts,
        };
    }

    private static InstanceMessage Answer(EntityCaller caller, EntityOperationResult result, DateTimeOffset now) => new()
    {
        InstanceId = caller.InstanceId,
        ExecutionId = caller.ExecutionId,
        Event = result.Failure is { } failure
            ? new EntityOperationFailedEvent { TaskScheduledId = caller.TaskId, Failure = failure, Timestamp = now }
            : new EntityOperationCompletedEvent { TaskScheduledId = caller.TaskId, Result = result.Result, Timestamp = now },
    };
}
