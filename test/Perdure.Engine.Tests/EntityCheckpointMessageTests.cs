using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;
using Perdure.Engine.Dispatch;

namespace Perdure.Engine.Tests;

/// <summary>
/// <see cref="CheckpointBuilder"/> turns the entity events a step recorded (and the grants it dropped) into the entity
/// inbox messages of <see cref="OrchestrationCheckpoint.EntityMessages"/>.
/// </summary>
public sealed class EntityCheckpointMessageTests
{
    private const string Instance = RuntimeDriver.InstanceId;
    private const string Execution = RuntimeDriver.ExecutionId;
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;
    private static readonly EntityInstanceId Alice = new("account", "alice");
    private static readonly EntityInstanceId Bob = new("account", "bob");
    private static readonly string[] AliceAndBob = ["@account@alice", "@account@bob"];

    private static readonly InstanceState Before = new()
    {
        InstanceId = Instance,
        ExecutionId = Execution,
        Name = RuntimeDriver.OrchestratorName,
        Status = OrchestrationStatus.Running,
        CreatedAt = T0,
        LastUpdatedAt = T0,
    };

    private static RuntimeDriver Driver(Func<TaskOrchestrationContext, Task<string>> body) =>
        new(FuncTaskOrchestrator.Create<string, string>((ctx, _) => body(ctx)));

    private static OrchestrationCheckpoint Build(RuntimeDriver driver, Replay.StepOutput step, DateTimeOffset now)
    {
        var checkpoint = CheckpointBuilder.Build(Before, driver.Runtime, step, now);
        foreach (var message in checkpoint.EntityMessages)
        {
            message.Validate();
        }

        return checkpoint;
    }

    private static OrchestrationWorkItem WorkItem(InstanceState instance, int historyLength, params InstanceMessage[] messages) =>
        new(instance, messages, historyLength, new Lease("worker", T0.AddMinutes(1)));

    [Fact]
    public void Build_CallSignalAndLockRequest_BecomeTheirEntityMessagesInOrder()
    {
        var signalAt = T0.AddHours(1);
        var driver = Driver(async ctx =>
        {
            var call = ctx.Entities.CallEntityAsync<int>(Alice, "Deposit", 5);
            await ctx.Entities.SignalEntityAsync(Bob, "Note", "hi", new SignalEntityOptions { SignalTime = signalAt });
            await ctx.Entities.SignalEntityAsync(Bob, "Ping");
            var locking = ctx.Entities.LockEntitiesAsync(Bob, Alice);
            await call;
            await using (await locking)
            {
                return "done";
            }
        });

        var checkpoint = Build(driver, driver.Start(null), T0);

        Assert.Collection(
            checkpoint.EntityMessages,
            m =>
            {
                Assert.Equal("@account@alice", m.EntityId);
                Assert.Null(m.VisibleAt);
                var call = Assert.IsType<EntityCallMessage>(m.Message);
                Assert.Equal(("Deposit", "5", new EntityCaller(Instance, Execution, 0), T0), (call.Operation, call.Input, call.Caller, call.Timestamp));
                Assert.Equal(Instance, call.SenderId);
            },
            m =>
            {
                Assert.Equal("@account@bob", m.EntityId);
                Assert.Equal(signalAt, m.VisibleAt);
                var signal = Assert.IsType<EntitySignalMessage>(m.Message);
                Assert.Equal(("Note", "\"hi\"", Instance), (signal.Operation, signal.Input, signal.Sender));
            },
            m =>
            {
                Assert.Null(m.VisibleAt);
                Assert.Equal("Ping", Assert.IsType<EntitySignalMessage>(m.Message).Operation);
            },
            m =>
            {
                Assert.Equal("@account@alice", m.EntityId);
                var request = Assert.IsType<EntityLockRequestMessage>(m.Message);
                Assert.Equal(new EntityCaller(Instance, Execution, 3), request.Caller);
                Assert.Equal(AliceAndBob, request.LockSet);
                Assert.Equal(0, request.Position);
            });
        Assert.Empty(checkpoint.Messages);
        Assert.Empty(checkpoint.ActivityTasks);
    }

    [Fact]
    public void Build_Release_GoesToEveryEntityOfTheSetNamingTheLockRequest()
    {
        var driver = Driver(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice, Bob))
            {
                return "done";
            }
        });
        driver.Start(null);

        var checkpoint = Build(driver, driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, AliceAndBob)), T0.AddSeconds(1));

        Assert.Equal(AliceAndBob, checkpoint.EntityMessages.Select(m => m.EntityId));
        Assert.All(checkpoint.EntityMessages, m =>
            Assert.Equal(new EntityCaller(Instance, Execution, 0), Assert.IsType<EntityLockReleaseMessage>(m.Message).Caller));
    }

    [Fact]
    public void Build_ReleaseAtEndAndALateGrantForTheSameRequest_SendReleasesOnce()
    {
        var driver = Driver(async ctx =>
        {
            var locking = ctx.Entities.LockEntitiesAsync(Alice, Bob);
            var timeout = ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMinutes(1), CancellationToken.None);
            return await Task.WhenAny(locking, timeout) == timeout ? "gave up" : "locked";
        });
        driver.Start(null);
        var step = driver.Step(T0.AddMinutes(1), RuntimeDriver.Fired(1, T0.AddMinutes(1)), RuntimeDriver.Granted(0, AliceAndBob));
        Assert.Single(step.LateGrants);

        var checkpoint = Build(driver, step, T0.AddMinutes(1));

        Assert.Equal(AliceAndBob, checkpoint.EntityMessages.Select(m => m.EntityId));
        Assert.Equal(OrchestrationStatus.Completed, checkpoint.Instance.Status);
    }

    [Fact]
    public void Build_GrantForAnEarlierExecution_IsAnsweredWithReleasesNamingThatExecution()
    {
        var driver = Driver(async ctx => await ctx.CallActivityAsync<string>("A"));
        driver.Start(null);

        var step = driver.Deliver(T0.AddSeconds(1), driver.Message(RuntimeDriver.Granted(7, AliceAndBob), "old-execution"));
        var checkpoint = Build(driver, step, T0.AddSeconds(1));

        Assert.Equal(AliceAndBob, checkpoint.EntityMessages.Select(m => m.EntityId));
        Assert.All(checkpoint.EntityMessages, m =>
            Assert.Equal(new EntityCaller(Instance, "old-execution", 7), Assert.IsType<EntityLockReleaseMessage>(m.Message).Caller));
        Assert.Equal(OrchestrationStatus.Running, checkpoint.Instance.Status);
    }

    [Fact]
    public void Build_ContinueAsNewHoldingLocks_ReleasesForTheEndedExecution()
    {
        var driver = Driver(async ctx =>
        {
            _ = await ctx.Entities.LockEntitiesAsync(Alice);
            ctx.ContinueAsNew("next");
            return "continued";
        });
        driver.Start(null);

        var checkpoint = Build(driver, driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice")), T0.AddSeconds(1));

        Assert.NotNull(checkpoint.NewExecutionId);
        var release = Assert.Single(checkpoint.EntityMessages);
        Assert.Equal(new EntityCaller(Instance, Execution, 0), Assert.IsType<EntityLockReleaseMessage>(release.Message).Caller);
    }

    [Fact]
    public void DropMessages_TerminalInstanceReceivingAGrant_AnswersItWithReleases()
    {
        var finished = Before with { Status = OrchestrationStatus.Completed };
        var workItem = WorkItem(
            finished,
            historyLength: 5,
            new InstanceMessage { InstanceId = Instance, ExecutionId = Execution, Event = RuntimeDriver.Granted(2, AliceAndBob), MessageId = 10 },
            new InstanceMessage { InstanceId = Instance, Event = RuntimeDriver.Raised("late", null), MessageId = 11 });

        var checkpoint = CheckpointBuilder.DropMessages(workItem, T0);

        Assert.Equal([10L, 11L], checkpoint.ConsumedMessageIds);
        Assert.Empty(checkpoint.NewEvents);
        Assert.Equal(AliceAndBob, checkpoint.EntityMessages.Select(m => m.EntityId));
        Assert.All(checkpoint.EntityMessages, m =>
        {
            m.Validate();
            Assert.Equal(new EntityCaller(Instance, Execution, 2), Assert.IsType<EntityLockReleaseMessage>(m.Message).Caller);
        });
    }

    [Fact]
    public void DropMessages_WithoutGrants_SendsNothing()
    {
        var workItem = WorkItem(
            Before with { Status = OrchestrationStatus.Failed },
            historyLength: 5,
            new InstanceMessage { InstanceId = Instance, Event = RuntimeDriver.EntityCompleted(1, 5), MessageId = 3 });

        var checkpoint = CheckpointBuilder.DropMessages(workItem, T0);

        Assert.Empty(checkpoint.EntityMessages);
        Assert.Equal([3L], checkpoint.ConsumedMessageIds);
    }

    [Fact]
    public void FailInstance_HistoryHoldingALock_RecordsAndSendsTheReleaseBeforeTheFailure()
    {
        List<HistoryEvent> history =
        [
            new OrchestratorStartedEvent { Timestamp = T0 },
            RuntimeDriver.Started(null),
            new EntityLockRequestedEvent { EventId = 0, LockSet = ["@account@alice"], Timestamp = T0 },
            new EntityUnlockSentEvent { EventId = 1, LockRequestId = 0, LockSet = ["@account@alice"], Timestamp = T0 },
            new EntityLockRequestedEvent { EventId = 2, LockSet = AliceAndBob, Timestamp = T0 },
            new OrchestratorStartedEvent { Timestamp = T0.AddSeconds(1) },
            RuntimeDriver.Granted(2, AliceAndBob),
            new TaskScheduledEvent { EventId = 3, Name = "A", Timestamp = T0 },
        ];
        var failure = new FailureDetails("Perdure.Engine.OrchestratorMisuseException", "blocked");
        var workItem = WorkItem(
            Before,
            history.Count,
            new InstanceMessage { InstanceId = Instance, ExecutionId = "older", Event = RuntimeDriver.Granted(9, ["@account@carol"]), MessageId = 4 });

        var checkpoint = CheckpointBuilder.FailInstance(workItem, history, failure, T0.AddSeconds(5));

        Assert.Collection(
            checkpoint.NewEvents,
            e => Assert.IsType<OrchestratorStartedEvent>(e),
            e =>
            {
                var unlock = Assert.IsType<EntityUnlockSentEvent>(e);
                Assert.Equal((4, 2), (unlock.EventId, unlock.LockRequestId));
                Assert.Equal(AliceAndBob, unlock.LockSet);
            },
            e => Assert.Equal(OrchestrationStatus.Failed, Assert.IsType<ExecutionCompletedEvent>(e).Status));
        Assert.Equal(
            [
                ("@account@alice", new EntityCaller(Instance, Execution, 2)),
                ("@account@bob", new EntityCaller(Instance, Execution, 2)),
                ("@account@carol", new EntityCaller(Instance, "older", 9)),
            ],
            checkpoint.EntityMessages.Select(m => (m.EntityId, Assert.IsType<EntityLockReleaseMessage>(m.Message).Caller)));
        Assert.Equal(OrchestrationStatus.Failed, checkpoint.Instance.Status);
    }

    [Fact]
    public void FailInstance_WithoutLocks_SendsNoEntityMessages()
    {
        var checkpoint = CheckpointBuilder.FailInstance(
            WorkItem(Before, 0), [], new FailureDetails("X", "blocked"), T0);

        Assert.Empty(checkpoint.EntityMessages);
        Assert.Equal(2, checkpoint.NewEvents.Count);
    }
}
