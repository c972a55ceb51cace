using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Tests;

/// <summary>
/// <c>LockEntitiesAsync</c> critical sections: the lock request and release recorded, <c>InCriticalSection</c>, and the
/// misuse rules of docs/entities.md, each thrown into the orchestrator code with nothing recorded for the refused call.
/// </summary>
public sealed class CriticalSectionTests
{
    private const string Instance = RuntimeDriver.InstanceId;
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;
    private static readonly EntityInstanceId Alice = new("Account", "alice");
    private static readonly EntityInstanceId Bob = new("Account", "bob");
    private static readonly EntityInstanceId Carol = new("Account", "carol");

    private static Func<ITaskOrchestrator> Orchestrator(Func<TaskOrchestrationContext, Task<string>> body) =>
        () => FuncTaskOrchestrator.Create<string, string>((ctx, _) => body(ctx));

    private static string? Output(RuntimeDriver driver) => RuntimeDriver.Deserialize<string>(driver.Runtime.Outcome?.Output);

    /// <summary>Runs <paramref name="misuse"/> inside a granted critical section on Alice and returns what it threw.</summary>
    private static (RuntimeDriver Driver, StepOutput Step) InsideCriticalSection(Func<TaskOrchestrationContext, Task> misuse)
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                try
                {
                    await misuse(ctx);
                    return "allowed";
                }
                catch (Exception e) when (e is InvalidOperationException or ArgumentException)
                {
                    return $"{e.GetType().Name}: {e.Message}";
                }
            }
        })());
        driver.Start(null);
        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));
        return (driver, step);
    }

    [Fact]
    public void RunStep_CriticalSection_RecordsRequestCallsAndReleaseAndReportsInCriticalSection()
    {
        var create = Orchestrator(async ctx =>
        {
            var before = ctx.Entities.InCriticalSection();
            var locking = ctx.Entities.LockEntitiesAsync(Bob, Alice, Bob);
            var whileWaiting = ctx.Entities.InCriticalSection(out var waitingIds);
            string inside;
            await using (await locking)
            {
                Assert.True(ctx.Entities.InCriticalSection(out var ids));
                var a = ctx.Entities.CallEntityAsync<int>(Alice, "get");
                var b = ctx.Entities.CallEntityAsync<int>(Bob, "get");
                inside = $"{string.Join(",", ids)} {await a + await b}";
            }

            var after = ctx.Entities.InCriticalSection(out var afterIds);
            return $"{before} {whileWaiting}/{waitingIds?.Count} {inside} {after}/{afterIds?.Count}";
        });
        var driver = new RuntimeDriver(create());

        var first = driver.Start(null);
        var requested = Assert.IsType<EntityLockRequestedEvent>(first.NewEvents[^1]);
        Assert.Equal(0, requested.EventId);
        Assert.Equal(["@account@alice", "@account@bob"], requested.LockSet);

        var granted = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice", "@account@bob"));
        Assert.Equal([1, 2], granted.NewEvents.OfType<EntityOperationCalledEvent>().Select(e => e.EventId));

        driver.Step(T0.AddSeconds(2), RuntimeDriver.EntityCompleted(1, 10));
        var last = driver.Step(T0.AddSeconds(3), RuntimeDriver.EntityCompleted(2, 20));

        var unlock = Assert.Single(last.NewEvents.OfType<EntityUnlockSentEvent>());
        Assert.Equal((3, 0), (unlock.EventId, unlock.LockRequestId));
        Assert.Equal(["@account@alice", "@account@bob"], unlock.LockSet);
        Assert.Equal("False False/0 @account@alice,@account@bob 30 False/0", Output(driver));
        Assert.Single(driver.History.OfType<EntityUnlockSentEvent>());

        var replayed = RuntimeDriver.Replayed(create(), driver.History);
        Assert.False(replayed.IsPoisoned);
        Assert.Equal(driver.History.Count, replayed.HistoryLength);
        Assert.Equal(driver.Runtime.Outcome?.Output, replayed.Outcome?.Output);
    }

    [Fact]
    public void RunStep_LockDisposedTwice_ReleasesOnce()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            var held = await ctx.Entities.LockEntitiesAsync(Alice);
            await held.DisposeAsync();
            await held.DisposeAsync();
            return "released";
        })());

        driver.Start(null);
        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));

        Assert.Equal("released", Output(driver));
        Assert.Single(step.NewEvents.OfType<EntityUnlockSentEvent>());
    }

    [Fact]
    public void RunStep_ActivitiesTimersEventsAndSignalsToOtherEntitiesInsideACriticalSection_AreAllowed()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                await ctx.Entities.SignalEntityAsync(Bob, "note");
                await ctx.CallActivityAsync<string>("A");
                await ctx.CreateTimer(ctx.CurrentUtcDateTime.AddMinutes(1), CancellationToken.None);
                return "done";
            }
        })());
        driver.Start(null);

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));
        driver.Step(T0.AddSeconds(2), RuntimeDriver.Completed(2, "a"));
        driver.Step(T0.AddMinutes(2), RuntimeDriver.Fired(3, T0.AddSeconds(2).AddMinutes(1)));

        Assert.Equal(["@account@bob"], step.NewEvents.OfType<EntityOperationSignaledEvent>().Select(e => e.EntityId));
        Assert.Equal("done", Output(driver));
    }

    [Fact]
    public void RunStep_NestedLock_ThrowsAndRecordsNothing()
    {
        var (driver, step) = InsideCriticalSection(ctx => ctx.Entities.LockEntitiesAsync(Bob));

        Assert.Equal(
            $"InvalidOperationException: Orchestration '{Instance}' is already in a critical section holding @account@alice; it cannot " +
            "lock more entities until it leaves it. Lock every entity you need in one LockEntitiesAsync call.",
            Output(driver));
        Assert.Equal([1], step.NewActions.Select(a => a.Id)); // only the release
        Assert.IsType<ReleaseLocksAction>(step.NewActions[0]);
    }

    [Fact]
    public void RunStep_LockWhileAnotherLockRequestIsPending_Throws()
    {
        var driver = new RuntimeDriver(Orchestrator(ctx =>
        {
            _ = ctx.Entities.LockEntitiesAsync(Alice);
            var e = Refused.Throws<InvalidOperationException>(() => ctx.Entities.LockEntitiesAsync(Bob));
            return Task.FromResult(e.Message);
        })());

        var step = driver.Start(null);

        Assert.Equal(
            $"Orchestration '{Instance}' is already waiting for the locks of @account@alice; it cannot lock more entities until it " +
            "has left that critical section. Lock every entity you need in one LockEntitiesAsync call.",
            Output(driver));
        Assert.Single(step.NewEvents.OfType<EntityLockRequestedEvent>());
    }

    [Fact]
    public void RunStep_CallToAnEntityNotLocked_ThrowsAndRecordsNothing()
    {
        var (driver, step) = InsideCriticalSection(ctx => ctx.Entities.CallEntityAsync(Carol, "get"));

        Assert.Equal(
            $"InvalidOperationException: Orchestration '{Instance}' may only call the entities it locked (@account@alice) inside its " +
            "critical section; '@account@carol' is not one of them.",
            Output(driver));
        Assert.Empty(step.NewEvents.OfType<EntityOperationCalledEvent>());
    }

    [Fact]
    public void RunStep_SecondCallToALockedEntityWhileOneIsPending_ThrowsAndAfterTheResultIsAllowed()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                var first = ctx.Entities.CallEntityAsync<int>(Alice, "get");
                var refused = Refused.Throws<InvalidOperationException>(() => ctx.Entities.CallEntityAsync<int>(Alice, "get"));
                var total = await first;
                total += await ctx.Entities.CallEntityAsync<int>(Alice, "get");
                return $"{total} {refused.Message}";
            }
        })());
        driver.Start(null);

        var granted = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));
        var again = driver.Step(T0.AddSeconds(2), RuntimeDriver.EntityCompleted(1, 1));
        driver.Step(T0.AddSeconds(3), RuntimeDriver.EntityCompleted(2, 2));

        Assert.Single(granted.NewEvents.OfType<EntityOperationCalledEvent>());
        Assert.Equal(2, Assert.Single(again.NewEvents.OfType<EntityOperationCalledEvent>()).EventId);
        Assert.Equal(
            $"3 Orchestration '{Instance}' already has a call to '@account@alice' pending; await it before calling that entity again " +
            "inside the critical section.",
            Output(driver));
    }

    [Fact]
    public void RunStep_SecondCallAfterAFailedCall_IsAllowed()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                try
                {
                    await ctx.Entities.CallEntityAsync(Alice, "withdraw", 5);
                }
                catch (EntityOperationFailedException)
                {
                }

                return (await ctx.Entities.CallEntityAsync<int>(Alice, "get")).ToString();
            }
        })());
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));

        var step = driver.Step(T0.AddSeconds(2), RuntimeDriver.EntityFailed(1, new FailureDetails("System.InvalidOperationException", "no")));

        Assert.Equal(2, Assert.Single(step.NewEvents.OfType<EntityOperationCalledEvent>()).EventId);
    }

    [Fact]
    public void RunStep_SignalToALockedEntity_ThrowsAndRecordsNothing()
    {
        var (driver, step) = InsideCriticalSection(ctx => ctx.Entities.SignalEntityAsync(Alice, "deposit", 5));

        Assert.Equal(
            $"InvalidOperationException: Orchestration '{Instance}' must not signal '@account@alice', which it has locked; call it " +
            "instead, or signal it after the critical section.",
            Output(driver));
        Assert.Empty(step.NewEvents.OfType<EntityOperationSignaledEvent>());
    }

    [Fact]
    public void RunStep_CallBeforeTheLockIsGranted_ThrowsAndRecordsNothing()
    {
        var driver = new RuntimeDriver(Orchestrator(ctx =>
        {
            _ = ctx.Entities.LockEntitiesAsync(Alice, Bob);
            var call = Refused.Throws<InvalidOperationException>(() => ctx.Entities.CallEntityAsync(Alice, "get"));
            var other = Refused.Throws<InvalidOperationException>(() => ctx.Entities.CallEntityAsync(Carol, "get"));
            var signal = Refused.Throws<InvalidOperationException>(() => ctx.Entities.SignalEntityAsync(Bob, "get"));
            return Task.FromResult(string.Join("|", call.Message, other.Message, signal.Message));
        })());

        var step = driver.Start(null);

        Assert.Equal(
            $"Orchestration '{Instance}' called '@account@alice' before its lock request completed; await LockEntitiesAsync first.|" +
            $"Orchestration '{Instance}' called '@account@carol' before its lock request completed; await LockEntitiesAsync first.|" +
            $"Orchestration '{Instance}' must not signal '@account@bob', which it has asked to lock; call it instead, or signal it " +
            "after the critical section.",
            Output(driver));
        Assert.IsType<LockEntitiesAction>(Assert.Single(step.NewActions));
    }

    [Fact]
    public void RunStep_SubOrchestrationInsideACriticalSection_ThrowsAndRecordsNothing()
    {
        var (driver, step) = InsideCriticalSection(ctx =>
        {
            Refused.Throws<InvalidOperationException>(() => ctx.CallSubOrchestratorAsync<string>("Child"));
            return ctx.CallSubOrchestratorAsync<string>("Child", options: new TaskOptions(new TaskRetryOptions(new RetryPolicy(3, TimeSpan.FromSeconds(1)))));
        });

        Assert.Equal(
            $"InvalidOperationException: Orchestration '{Instance}' cannot start a sub-orchestration inside a critical section (it " +
            "could wait for an entity this orchestration has locked).",
            Output(driver));
        Assert.Empty(step.NewEvents.OfType<SubOrchestrationCreatedEvent>());
    }

    [Fact]
    public void RunStep_SubOrchestrationAfterTheCriticalSection_IsAllowed()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
            }

            return await ctx.CallSubOrchestratorAsync<string>("Child");
        })());
        driver.Start(null);

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));

        Assert.Single(step.NewEvents.OfType<SubOrchestrationCreatedEvent>());
    }

    [Fact]
    public void RunStep_LockWithoutEntityIds_ThrowsArgumentException()
    {
        var driver = new RuntimeDriver(Orchestrator(ctx =>
        {
            var none = Refused.Throws<ArgumentException>(() => ctx.Entities.LockEntitiesAsync());
            var empty = Refused.Throws<ArgumentException>(() => ctx.Entities.LockEntitiesAsync(Enumerable.Empty<EntityInstanceId>()));
            Refused.Throws<ArgumentNullException>(() => ctx.Entities.LockEntitiesAsync((IEnumerable<EntityInstanceId>)null!));
            return Task.FromResult(none.Message + "|" + empty.ParamName);
        })());

        var step = driver.Start(null);

        Assert.Equal("LockEntitiesAsync needs at least one entity id. (Parameter 'entityIds')|entityIds", Output(driver));
        Assert.Empty(step.NewActions);
    }

    [Fact]
    public void RunStep_UnhandledMisuse_FailsTheOrchestrationAndReleasesItsLocks()
    {
        var driver = new RuntimeDriver(Orchestrator(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                return await ctx.Entities.CallEntityAsync<string>(Carol, "get");
            }
        })());
        driver.Start(null);

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Granted(0, "@account@alice"));

        var outcome = driver.Runtime.Outcome;
        Assert.Equal(OrchestrationStatus.Failed, outcome?.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, outcome?.Failure?.ErrorType);
        Assert.Contains("may only call the entities it locked", outcome?.Failure?.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(step.NewEvents.OfType<EntityOperationCalledEvent>());
        var unlock = Assert.Single(step.NewEvents.OfType<EntityUnlockSentEvent>());
        Assert.Equal(0, unlock.LockRequestId);
    }
}
