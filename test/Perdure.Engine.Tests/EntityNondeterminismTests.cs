using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Tests;

/// <summary>Entity calls, signals, lock requests and releases are matched on replay like activity calls.</summary>
public sealed class EntityNondeterminismTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;
    private static readonly EntityInstanceId Alice = new("account", "alice");
    private static readonly EntityInstanceId Bob = new("account", "bob");

    private static List<HistoryEvent> FirstStep(params HistoryEvent[] scheduled) =>
        [new OrchestratorStartedEvent { Timestamp = T0 }, RuntimeDriver.Started(null), .. scheduled];

    private static EntityOperationCalledEvent Called(int id, string entityId, string operation) =>
        new() { EventId = id, EntityId = entityId, Operation = operation, Timestamp = T0 };

    private static OrchestrationRuntime Create(Func<TaskOrchestrationContext, Task<string>> body) =>
        RuntimeDriver.Create(FuncTaskOrchestrator.Create<string, string>((ctx, _) => body(ctx)));

    [Fact]
    public void Replay_CodeCallsAnotherEntityOperation_ThrowsNamingBothSides()
    {
        var history = FirstStep(Called(0, "@account@alice", "withdraw"));
        var runtime = Create(async ctx => await ctx.Entities.CallEntityAsync<string>(Bob, "deposit"));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains(
            "is not deterministic: history has EntityOperationCalled 'withdraw' on '@account@alice' at task id 0; the code now asks " +
            "for EntityOperationCalled 'deposit' on '@account@bob'.",
            ex.Message,
            StringComparison.Ordinal);
        Assert.Contains(RuntimeDriver.OrchestratorName, ex.Message, StringComparison.Ordinal);
        Assert.True(runtime.IsPoisoned);
    }

    [Fact]
    public void Replay_SameOperationOnAnotherEntity_Throws()
    {
        var history = FirstStep(Called(0, "@account@alice", "withdraw"));
        var runtime = Create(async ctx => await ctx.Entities.CallEntityAsync<string>(Bob, "withdraw"));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("the code now asks for EntityOperationCalled 'withdraw' on '@account@bob'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_OperationDiffersOnlyInCaseAndEntityNameInCase_Matches()
    {
        var history = FirstStep(Called(0, "@account@alice", "withdraw"));
        var runtime = Create(async ctx => await ctx.Entities.CallEntityAsync<string>(new EntityInstanceId("Account", "alice"), "Withdraw", 5));

        RuntimeDriver.Replay(runtime, history);

        Assert.False(runtime.IsPoisoned);
        Assert.Equal(history.Count, runtime.HistoryLength);
    }

    [Fact]
    public void Replay_KeyDiffersInCase_Throws()
    {
        var history = FirstStep(Called(0, "@account@alice", "withdraw"));
        var runtime = Create(async ctx => await ctx.Entities.CallEntityAsync<string>(new EntityInstanceId("account", "Alice"), "withdraw"));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("on '@account@Alice'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_SignalWhereHistoryHasACall_ThrowsNamingBothKinds()
    {
        var history = FirstStep(Called(0, "@account@alice", "deposit"));
        var runtime = Create(async ctx =>
        {
            await ctx.Entities.SignalEntityAsync(Alice, "deposit");
            return await ctx.CallActivityAsync<string>("A");
        });

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("history has EntityOperationCalled 'deposit' on '@account@alice' at task id 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the code now asks for EntityOperationSignaled 'deposit' on '@account@alice'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_SignalTimeAndInputChanged_StillMatch()
    {
        var history = FirstStep(new EntityOperationSignaledEvent
        {
            EventId = 0, EntityId = "@account@alice", Operation = "deposit", Input = "1", ScheduledAt = T0.AddHours(1), Timestamp = T0,
        });
        var runtime = Create(async ctx =>
        {
            await ctx.Entities.SignalEntityAsync(Alice, "Deposit", 2, new SignalEntityOptions { SignalTime = T0.AddHours(2) });
            return "ok";
        });

        RuntimeDriver.Replay(runtime, history);

        Assert.False(runtime.IsPoisoned);
    }

    [Fact]
    public void Replay_CodeNoLongerCallsTheEntity_ThrowsNamingTheRecordedCall()
    {
        var history = FirstStep(Called(0, "@account@alice", "withdraw"));
        var runtime = Create(ctx => Task.FromResult("nothing"));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains(
            "history has EntityOperationCalled 'withdraw' on '@account@alice' at task id 0, but the code did not ask for it on replay",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_CodeCallsAnEntityHistoryDoesNotHave_ThrowsAtTheEnd()
    {
        var history = FirstStep();
        var runtime = Create(async ctx => await ctx.Entities.CallEntityAsync<string>(Alice, "get"));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("the code now asks for EntityOperationCalled 'get' on '@account@alice' (task id 0), but history has no such step at its end",
            ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_LockSetGivenInAnotherOrderOrWithDuplicates_Matches()
    {
        var history = FirstStep(new EntityLockRequestedEvent { EventId = 0, LockSet = ["@account@alice", "@account@bob"], Timestamp = T0 });
        var runtime = Create(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Bob, Alice, Bob))
            {
                return "locked";
            }
        });

        RuntimeDriver.Replay(runtime, history);

        Assert.False(runtime.IsPoisoned);
    }

    [Fact]
    public void Replay_OtherLockSet_ThrowsNamingBothSets()
    {
        var history = FirstStep(new EntityLockRequestedEvent { EventId = 0, LockSet = ["@account@alice", "@account@bob"], Timestamp = T0 });
        var runtime = Create(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
                return "locked";
            }
        });

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains(
            "history has EntityLockRequested (@account@alice, @account@bob) at task id 0; the code now asks for EntityLockRequested (@account@alice)",
            ex.Message,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_ReleaseWhereHistoryHasAnActivity_Throws()
    {
        List<HistoryEvent> history =
        [
            .. FirstStep(new EntityLockRequestedEvent { EventId = 0, LockSet = ["@account@alice"], Timestamp = T0 }),
            new OrchestratorStartedEvent { Timestamp = T0.AddSeconds(1) },
            RuntimeDriver.Granted(0, "@account@alice"),
            new TaskScheduledEvent { EventId = 1, Name = "Audit", Timestamp = T0 },
        ];
        var runtime = Create(async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice))
            {
            }

            return await ctx.CallActivityAsync<string>("Audit");
        });

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("history has TaskScheduled 'Audit' at task id 1; the code now asks for EntityUnlockSent (lock request 0)",
            ex.Message, StringComparison.Ordinal);
    }
}
