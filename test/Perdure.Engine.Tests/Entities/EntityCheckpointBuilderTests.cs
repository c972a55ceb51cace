using Perdure.Core.Entities;
using Perdure.Core.History;
using Perdure.Engine.Entities;

namespace Perdure.Engine.Tests.Entities;

/// <summary>What an entity batch commits: answers to callers, signals, starts, the lock's next step, consumed messages.</summary>
public sealed class EntityCheckpointBuilderTests
{
    private const string Self = "@account@a";
    private static readonly DateTimeOffset Now = new(2025, 1, 15, 9, 0, 0, TimeSpan.Zero);
    private static readonly EntityCaller Alice = new("alice", "exec-1", 4);
    private long _nextId;

    [Fact]
    public void Build_Calls_AnswerEachCallerInItsExecutionWithResultOrFailure()
    {
        var plan = Plan(null, new EntityCallMessage { Operation = "withdraw", Caller = Alice }, new EntitySignalMessage { Operation = "deposit" },
            new EntityCallMessage { Operation = "balance", Caller = Alice with { TaskId = 5 } });
        var failure = new FailureDetails("System.InvalidOperationException", "insufficient funds");
        var result = new EntityBatchResult("7", [EntityOperationResult.Failed(failure), EntityOperationResult.Success(null), EntityOperationResult.Success("7")], []);

        var checkpoint = EntityCheckpointBuilder.Build(plan, result, Now);

        Assert.Equal("7", checkpoint.State);
        Assert.Equal([1L, 2L, 3L], checkpoint.ConsumedMessageIds);
        Assert.Equal(2, checkpoint.InstanceMessages.Count);
        Assert.All(checkpoint.InstanceMessages, m =>
        {
            Assert.Equal("alice", m.InstanceId);
            Assert.Equal("exec-1", m.ExecutionId);
            Assert.Equal(Now, m.Event.Timestamp);
        });
        var failed = Assert.IsType<EntityOperationFailedEvent>(checkpoint.InstanceMessages[0].Event);
        Assert.Equal(4, failed.TaskScheduledId);
        Assert.Equal(failure, failed.Failure);
        var completed = Assert.IsType<EntityOperationCompletedEvent>(checkpoint.InstanceMessages[1].Event);
        Assert.Equal(5, completed.TaskScheduledId);
        Assert.Equal("7", completed.Result);
        Assert.Empty(checkpoint.EntityMessages);
        Assert.Empty(checkpoint.NewOrchestrations);
    }

    [Fact]
    public void Build_SignalActions_BecomeMessagesFromThisEntityVisibleAtTheirTime()
    {
        var plan = Plan(null, new EntitySignalMessage { Operation = "transfer" });
        var result = new EntityBatchResult(null, [EntityOperationResult.Success(null)],
        [
            new SignalEntityAction(EntityId.Parse("@account@b"), "deposit", "5", null),
            new SignalEntityAction(EntityId.Parse("@audit@daily"), "record", null, Now.AddHours(1)),
        ]);

        var checkpoint = EntityCheckpointBuilder.Build(plan, result, Now);

        Assert.Equal(["@account@b", "@audit@daily"], checkpoint.EntityMessages.Select(m => m.EntityId));
        var first = Assert.IsType<EntitySignalMessage>(checkpoint.EntityMessages[0].Message);
        Assert.Equal(("deposit", "5", Self, Now), (first.Operation, first.Input, first.Sender, first.Timestamp));
        Assert.Null(checkpoint.EntityMessages[0].VisibleAt);
        Assert.Equal(Now.AddHours(1), checkpoint.EntityMessages[1].VisibleAt);
        Assert.Null(checkpoint.State);
    }

    [Fact]
    public void Build_StartActions_BecomeNewInstancesWithoutParent()
    {
        var plan = Plan(null, new EntitySignalMessage { Operation = "report" });
        var tags = new Dictionary<string, string> { ["team"] = "ops" };
        var result = new EntityBatchResult("1", [EntityOperationResult.Success(null)],
            [new StartOrchestrationAction("report-7", "Report", "2", "\"x\"", Now.AddMinutes(5), tags)]);

        var checkpoint = EntityCheckpointBuilder.Build(plan, result, Now);

        var start = Assert.Single(checkpoint.NewOrchestrations);
        Assert.Equal("report-7", start.InstanceId);
        Assert.Equal(("Report", "2", "\"x\""), (start.Started.Name, start.Started.Version, start.Started.Input));
        Assert.Equal(Now.AddMinutes(5), start.Started.ScheduledStartAt);
        Assert.Same(tags, start.Started.Tags);
        Assert.Null(start.Started.Parent);
        Assert.Equal(32, start.Started.ExecutionId.Length);
        Assert.Empty(start.DedupeStatuses);
    }

    [Fact]
    public void Build_LockAcquiredBeforeTheLastEntity_ForwardsTheRequest()
    {
        var request = new EntityLockRequestMessage { Caller = Alice, LockSet = [Self, "@account@b"], Position = 0 };
        var plan = Plan(null, request);

        var checkpoint = EntityCheckpointBuilder.Build(plan, new EntityBatchResult("10", [], []), Now);

        Assert.Equal(Alice, checkpoint.LockHolder);
        var forwarded = Assert.Single(checkpoint.EntityMessages);
        Assert.Equal("@account@b", forwarded.EntityId);
        var message = Assert.IsType<EntityLockRequestMessage>(forwarded.Message);
        Assert.Equal((Alice, 1, Now), (message.Caller, message.Position, message.Timestamp));
        Assert.Empty(checkpoint.InstanceMessages);
        Assert.Equal("10", checkpoint.State);
    }

    [Fact]
    public void Build_LockAcquiredAtTheLastEntity_GrantsTheLocksToTheOrchestration()
    {
        var request = new EntityLockRequestMessage { Caller = Alice, LockSet = ["@account@0", Self], Position = 1 };
        var plan = Plan(null, request);

        var checkpoint = EntityCheckpointBuilder.Build(plan, new EntityBatchResult("10", [], []), Now);

        var grant = Assert.Single(checkpoint.InstanceMessages);
        Assert.Equal(("alice", "exec-1"), (grant.InstanceId, grant.ExecutionId));
        var granted = Assert.IsType<EntityLockGrantedEvent>(grant.Event);
        Assert.Equal(4, granted.TaskScheduledId);
        Assert.Equal(["@account@0", Self], granted.LockSet);
        Assert.Empty(checkpoint.EntityMessages);
    }

    [Fact]
    public void Build_NotEveryOperationRan_ConsumesOnlyThoseThatDidAndLeavesTheLock()
    {
        var plan = Plan(null, new EntitySignalMessage { Operation = "a" }, new EntityCallMessage { Operation = "b", Caller = Alice },
            new EntityLockRequestMessage { Caller = Alice, LockSet = [Self], Position = 0 });

        var checkpoint = EntityCheckpointBuilder.Build(plan, new EntityBatchResult("1", [EntityOperationResult.Success(null)], []), Now);

        Assert.Equal([1L], checkpoint.ConsumedMessageIds);
        Assert.Null(checkpoint.LockHolder);
        Assert.Empty(checkpoint.InstanceMessages);
        Assert.Empty(checkpoint.EntityMessages);
    }

    [Fact]
    public async Task PlanExecuteBuild_CallsToACounter_CommitTheirAnswersWithTheNewState()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Counter>());
        var row = new StoredEntity { EntityId = "@counter@k", HasState = true, State = "1", LastModifiedAt = Now };
        var inbox = new List<EntityInboxMessage>
        {
            new() { EntityId = "@counter@k", MessageId = 11, Message = new EntityCallMessage { Operation = "add", Input = "2", Caller = Alice } },
            new() { EntityId = "@counter@k", MessageId = 12, Message = new EntitySignalMessage { Operation = "addThenFail", Input = "50" } },
            new() { EntityId = "@counter@k", MessageId = 13, Message = new EntityCallMessage { Operation = "add", Input = "\"x\"", Caller = Alice with { TaskId = 6 } } },
        };

        var plan = EntityBatchPlanner.Plan(row, inbox, maxOperations: 100);
        var result = await harness.Executor.ExecuteAsync(plan.EntityId, row.State, plan.Requests, CancellationToken.None);
        var checkpoint = EntityCheckpointBuilder.Build(plan, result, Now);

        Assert.Equal("3", checkpoint.State);
        Assert.Equal([11L, 12L, 13L], checkpoint.ConsumedMessageIds);
        Assert.Equal("3", Assert.IsType<EntityOperationCompletedEvent>(checkpoint.InstanceMessages[0].Event).Result);
        var failed = Assert.IsType<EntityOperationFailedEvent>(checkpoint.InstanceMessages[1].Event);
        Assert.Equal(6, failed.TaskScheduledId);
        Assert.StartsWith("The input of operation 'add' on entity '@counter@k' could not be read as Int32", failed.Failure.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Build_MoreResultsThanOperations_IsRefused()
    {
        var plan = Plan(null, new EntitySignalMessage { Operation = "a" });
        var result = new EntityBatchResult(null, [EntityOperationResult.Success(null), EntityOperationResult.Success(null)], []);

        Assert.Throws<ArgumentException>(() => EntityCheckpointBuilder.Build(plan, result, Now));
    }

    private EntityBatchPlan Plan(EntityCaller? lockHolder, params EntityMessage[] messages)
    {
        var row = new StoredEntity { EntityId = Self, HasState = true, State = "10", LastModifiedAt = Now, LockHolder = lockHolder };
        var inbox = messages.Select(m => new EntityInboxMessage { EntityId = Self, Message = m, MessageId = ++_nextId }).ToList();
        return EntityBatchPlanner.Plan(row, inbox, maxOperations: 100);
    }
}
