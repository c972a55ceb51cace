using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Tests;

/// <summary>
/// The engine releases locks the code did not: at every kind of end of an execution (decided from recorded events), and
/// when a grant arrives after its execution ended.
/// </summary>
public sealed class EntityReleaseTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;
    private static readonly EntityInstanceId Alice = new("account", "alice");
    private static readonly EntityInstanceId Bob = new("account", "bob");
    private static readonly string[] AliceAndBob = ["@account@alice", "@account@bob"];

    private static Func<ITaskOrchestrator> Orchestrator(Func<TaskOrchestrationContext, Task<string>> body) =>
        () => FuncTaskOrchestrator.Create<string, string>((ctx, _) => body(ctx));

    /// <summary>The step's engine release: the last event before the end, with a task id of its own.</summary>
    private static EntityUnlockSentEvent AssertReleasedAtEnd(StepOutput step, int lockRequestId, int taskId, params string[] lockSet)
    {
        var unlock = Assert.Single(step.NewEvents.OfType<EntityUnlockSentEvent>());
        Assert.Equal((taskId, lockRequestId), (unlock.EventId, unlock.LockRequestId));
        Assert.Equal(lockSet, unlock.LockSet);
        var index = step.NewEvents.IndexOf(unlock);
        Assert.True(
            index == step.NewEvents.Count - 1 || step.NewEvents[index + 1] is ExecutionCompletedEvent,
            "The release is the last event of the step, or the one before ExecutionCompleted.");
        return unlock;
    }

    /// <summary>Holds the locks of Alice and Bob (granted), then does <paramref name="inside"/> without releasing them.</summary>
    private static RuntimeDriver Holding(Func<TaskOrchestrationContext, Task<string>> inside)
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            _ = await ctx.Entities.LockEntitiesAsync(Alice, Bob);
            return await inside(ctx);
        })());
        driver.Start(null);
        return driver;
    }

    [Fact]
    public void RunStep_CompletesHoldingLocks_AppendsTheRelease()
    {
        var driver = Holding(_ => Task.FromResult("done"));

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, AliceAndBob));

        Assert.Equal(OrchestrationStatus.Completed, driver.Runtime.Outcome?.Status);
        AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 1, AliceAndBob);
        Assert.Empty(step.NewActions);
    }

    [Fact]
    public void RunStep_CompletesWhileTheLockRequestIsPending_AppendsTheRelease()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            var locking = ctx.Entities.LockEntitiesAsync(Alice);
            var timeout = ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMinutes(1), CancellationToken.None);
            return await Task.WhenAny(locking, timeout) == timeout ? "gave up" : "locked";
        })());
        driver.Start(null);

        var step = driver.Step(T0.AddMinutes(1), RuntimeDriver.Fired(1, T0.AddMinutes(1)));

        Assert.Equal(RuntimeDriver.Serialize("gave up"), driver.Runtime.Outcome?.Output);
        AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 2, "@account@alice");
    }

    [Fact]
    public void RunStep_LockRequestedInTheEndingStep_IsReleasedByThatStep()
    {
        var driver = new RuntimeDriver(Orchestrator(ctx =>
        {
            _ = ctx.Entities.LockEntitiesAsync(Alice);
            return Task.FromResult("left");
        })());

        var step = driver.Start(null);

        Assert.Single(step.NewEvents.OfType<EntityLockRequestedEvent>());
        AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 1, "@account@alice");
    }

    [Fact]
    public void RunStep_FailsInsideAwaitUsing_ReleasesOnceThroughTheDispose()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                throw new InvalidOperationException("boom");
            }
        })());
        driver.Start(null);

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));

        Assert.Equal(OrchestrationStatus.Failed, driver.Runtime.Outcome?.Status);
        var unlock = Assert.Single(step.NewEvents.OfType<EntityUnlockSentEvent>());
        Assert.IsType<ReleaseLocksAction>(Assert.Single(step.NewActions));
        Assert.Equal(1, unlock.EventId);
    }

    [Fact]
    public void RunStep_FailsHoldingLocksWithoutDispose_AppendsTheRelease()
    {
        var driver = Holding(_ => throw new InvalidOperationException("boom"));

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, AliceAndBob));

        Assert.Equal(OrchestrationStatus.Failed, driver.Runtime.Outcome?.Status);
        AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 1, AliceAndBob);
    }

    [Fact]
    public void RunStep_ReleasedByTheCode_AppendsNoSecondRelease()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                await ctx.CallActivityAsync<string>("A");
            }

            return await ctx.CallActivityAsync<string>("B");
        })());
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));
        driver.Step(T0.AddSeconds(2), RuntimeDriver.Completed(1, "a"));

        var last = driver.Step(T0.AddSeconds(3), RuntimeDriver.Completed(3, "b"));

        Assert.Equal(OrchestrationStatus.Completed, driver.Runtime.Outcome?.Status);
        Assert.Empty(last.NewEvents.OfType<EntityUnlockSentEvent>());
        Assert.Single(driver.History.OfType<EntityUnlockSentEvent>());
    }

    [Fact]
    public void RunStep_TerminatedHoldingLocks_ReleasesAndRecordsNothingTheCodeAskedFor()
    {
        var driver = Holding(async ctx => await ctx.CallActivityAsync<string>("A"));
        driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, AliceAndBob));

        var step = driver.Step(T0.AddSeconds(2), new ExecutionTerminatedEvent { Output = "\"stop\"" }, RuntimeDriver.Completed(1, "a"));

        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
        Assert.Empty(step.NewActions);
        var unlock = AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 2, AliceAndBob);
        Assert.Same(unlock, step.NewEvents[^1]);
    }

    [Fact]
    public void RunStep_TerminatedWhileTheLockRequestIsPending_ReleasesAndAnswersTheGrantArrivingWithTheTerminate()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                return "locked";
            }
        })());
        driver.Start(null);

        // The terminate goes first; the grant is then consumed as addressed to an ended execution.
        var step = driver.Deliver(
            T0.AddSeconds(1),
            driver.Message(RuntimeDriver.Granted(0, "@account@alice"), RuntimeDriver.ExecutionId),
            driver.Message(new ExecutionTerminatedEvent()));

        Assert.Equal(OrchestrationStatus.Terminated, driver.Runtime.Outcome?.Status);
        AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 1, "@account@alice");
        var late = Assert.Single(step.LateGrants);
        Assert.Equal(new LateGrant(RuntimeDriver.ExecutionId, 0, late.LockSet), late);
        Assert.Equal(2, step.ConsumedMessageIds.Count);
    }

    [Fact]
    public void RunStep_ContinuedAsNewHoldingLocks_ReleasesInTheEndingExecution()
    {
        var driver = Holding(ctx =>
        {
            ctx.ContinueAsNew("again");
            return Task.FromResult("continued");
        });

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, AliceAndBob));

        Assert.Equal(OrchestrationStatus.ContinuedAsNew, driver.Runtime.Outcome?.Status);
        AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 1, AliceAndBob);
    }

    [Fact]
    public void RunStep_AfterNondeterministicReplay_ReleasesEveryLockHistoryHolds()
    {
        // History: activity A, then a lock request (task 1) that was granted. The code now calls B first: replay fails at
        // task 0, before it reaches the lock request, which must still be released.
        List<HistoryEvent> history =
        [
            new OrchestratorStartedEvent { Timestamp = T0 },
            RuntimeDriver.Started(null),
            new TaskScheduledEvent { EventId = 0, Name = "A", Timestamp = T0 },
            new OrchestratorStartedEvent { Timestamp = T0.AddSeconds(1) },
            RuntimeDriver.Completed(0, "a"),
            new EntityLockRequestedEvent { EventId = 1, LockSet = AliceAndBob, Timestamp = T0 },
            new OrchestratorStartedEvent { Timestamp = T0.AddSeconds(2) },
            RuntimeDriver.Granted(1, AliceAndBob),
            new TaskScheduledEvent { EventId = 2, Name = "Inside", Timestamp = T0 },
        ];
        var runtime = RuntimeDriver.Create(FuncTaskOrchestrator.Create<string, string>(async (ctx, input) =>
        {
            await ctx.CallActivityAsync<string>("B");
            _ = await ctx.Entities.LockEntitiesAsync(Alice, Bob);
            return await ctx.CallActivityAsync<string>("Inside");
        }));

        // As the dispatcher does: a replay that fails fails the execution, and the step records the end.
        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));
        runtime.FailWith(ex);
        var step = RuntimeDriver.RunStep(runtime, T0.AddSeconds(3), []);

        Assert.True(runtime.IsPoisoned);
        AssertReleasedAtEnd(step, lockRequestId: 1, taskId: 3, AliceAndBob);
        Assert.Equal(OrchestrationStatus.Failed, Assert.IsType<ExecutionCompletedEvent>(step.NewEvents[^1]).Status);
    }

    [Fact]
    public void RunStep_PoisonedByMisuseHoldingLocks_Releases()
    {
        var never = new TaskCompletionSource<string>();
        var driver = Holding(_ => never.Task);

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, AliceAndBob));

        Assert.True(driver.Runtime.IsPoisoned);
        Assert.Equal(typeof(OrchestratorMisuseException).FullName, driver.Runtime.Outcome?.Failure?.ErrorType);
        AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 1, AliceAndBob);
    }

    [Fact]
    public void RunStep_NoLocks_AppendsNoRelease()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx => await ctx.Entities.CallEntityAsync<string>(Alice, "get"))());
        driver.Start(null);

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.EntityCompleted(0, "x"));

        Assert.Empty(step.NewEvents.OfType<EntityUnlockSentEvent>());
        Assert.Empty(step.LateGrants);
    }

    [Fact]
    public void RunStep_GrantArrivingAfterTheEndInTheSameStep_IsALateGrant()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            var locking = ctx.Entities.LockEntitiesAsync(Alice);
            var timeout = ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMinutes(1), CancellationToken.None);
            return await Task.WhenAny(locking, timeout) == timeout ? "gave up" : "locked";
        })());
        driver.Start(null);

        var step = driver.Step(T0.AddMinutes(1), RuntimeDriver.Fired(1, T0.AddMinutes(1)), RuntimeDriver.Granted(0, "@account@alice"));

        Assert.Equal(RuntimeDriver.Serialize("gave up"), driver.Runtime.Outcome?.Output);
        AssertReleasedAtEnd(step, lockRequestId: 0, taskId: 2, "@account@alice");
        Assert.Equal(0, Assert.Single(step.LateGrants).LockRequestId);
        Assert.DoesNotContain(step.NewEvents, e => e is EntityLockGrantedEvent);
    }

    [Fact]
    public void RunStep_GrantAddressedToAnEarlierExecution_IsDroppedAsALateGrant()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx => await ctx.CallActivityAsync<string>("A"))());
        driver.Start(null);

        var step = driver.Deliver(T0.AddSeconds(1), driver.Message(RuntimeDriver.Granted(3, AliceAndBob), "old-execution"));

        Assert.Null(driver.Runtime.Outcome);
        Assert.Equal(new LateGrant("old-execution", 3, step.LateGrants[0].LockSet), Assert.Single(step.LateGrants));
        Assert.Equal(AliceAndBob, step.LateGrants[0].LockSet);
        Assert.Single(step.ConsumedMessageIds);
        Assert.DoesNotContain(step.NewEvents, e => e is EntityLockGrantedEvent);
    }

    [Fact]
    public void RunStep_GrantForTheExecutionBeforeAContinueAsNew_IsDroppedByTheNextExecutionsFirstStep()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx => await ctx.CallActivityAsync<string>("A"))());

        // The grant for the execution that continued as new waited in the inbox; the new execution starts with it there.
        var step = driver.Deliver(
            T0,
            driver.Message(RuntimeDriver.Granted(0, "@account@alice"), RuntimeDriver.ExecutionId),
            driver.Message(RuntimeDriver.Started(null, executionId: "execution-2"), "execution-2"));

        Assert.Equal("execution-2", driver.Runtime.ExecutionId);
        Assert.Equal(new LateGrant(RuntimeDriver.ExecutionId, 0, step.LateGrants[0].LockSet), Assert.Single(step.LateGrants));
        Assert.Equal(2, step.ConsumedMessageIds.Count);
        Assert.Single(step.NewEvents.OfType<TaskScheduledEvent>());
    }
}
