using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Tests;

/// <summary>Code that no longer produces its recorded history fails loudly, naming both sides.</summary>
public sealed class NondeterminismTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;

    private static List<HistoryEvent> FirstStepScheduling(params HistoryEvent[] scheduled) =>
        [new OrchestratorStartedEvent { Timestamp = T0 }, RuntimeDriver.Started(null), .. scheduled];

    private static TaskScheduledEvent Scheduled(int id, string name) => new() { EventId = id, Name = name, Timestamp = T0 };

    private static TaskOrchestrator<string, string> Calling(params string[] activities) =>
        FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            var results = await Task.WhenAll(activities.Select(a => ctx.CallActivityAsync<string>(a)));
            return string.Concat(results);
        });

    [Fact]
    public void Replay_CodeCallsAnotherActivity_ThrowsNamingBoth()
    {
        var history = FirstStepScheduling(Scheduled(0, "ChargePayment"));
        var runtime = RuntimeDriver.Create(Calling("ReserveInventory"));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("TaskScheduled 'ChargePayment'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TaskScheduled 'ReserveInventory'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("task id 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains(RuntimeDriver.OrchestratorName, ex.Message, StringComparison.Ordinal);
        Assert.True(runtime.IsPoisoned);
    }

    [Fact]
    public void Replay_ActivityNameDiffersOnlyInCase_Matches()
    {
        var history = FirstStepScheduling(Scheduled(0, "chargepayment"));
        var runtime = RuntimeDriver.Create(Calling("ChargePayment"));

        RuntimeDriver.Replay(runtime, history);

        Assert.False(runtime.IsPoisoned);
        Assert.Equal(3, runtime.HistoryLength);
    }

    [Fact]
    public void Replay_HistoryHasTaskTheCodeNoLongerSchedules_ThrowsNamingIt()
    {
        var history = FirstStepScheduling(Scheduled(0, "ChargePayment"), Scheduled(1, "SendReceipt"));
        var runtime = RuntimeDriver.Create(Calling("ChargePayment"));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("TaskScheduled 'SendReceipt'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("task id 1", ex.Message, StringComparison.Ordinal);
        Assert.True(runtime.IsPoisoned);
    }

    [Fact]
    public void Replay_CodeNoLongerSchedulesAnything_ThrowsNamingTheRecordedTask()
    {
        var history = FirstStepScheduling(Scheduled(0, "ChargePayment"));
        var runtime = RuntimeDriver.Create(FuncTaskOrchestrator.Create<string, string>((_, _) => Task.FromResult("nothing to do")));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("TaskScheduled 'ChargePayment'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_CodeAsksForAnExtraActionAtTheEnd_Throws()
    {
        var history = FirstStepScheduling(Scheduled(0, "ChargePayment"));
        var runtime = RuntimeDriver.Create(Calling("ChargePayment", "ReserveInventory"));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("TaskScheduled 'ReserveInventory'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("task id 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_CodeAsksForAnExtraActionInAnEarlierStep_Throws()
    {
        List<HistoryEvent> history =
        [
            .. FirstStepScheduling(Scheduled(0, "ChargePayment")),
            new OrchestratorStartedEvent { Timestamp = T0.AddSeconds(1) },
            RuntimeDriver.Completed(0, "ok"),
            Scheduled(1, "SendReceipt"),
        ];
        var runtime = RuntimeDriver.Create(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            var charge = ctx.CallActivityAsync<string>("ChargePayment");
            var audit = ctx.CallActivityAsync<string>("Audit");
            await charge;
            await ctx.CallActivityAsync<string>("SendReceipt");
            return await audit;
        }));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("TaskScheduled 'Audit' (task id 1)", ex.Message, StringComparison.Ordinal);
        Assert.Contains("where the code asked for it", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_TimerWhereHistoryHasAnActivity_ThrowsNamingBoth()
    {
        var history = FirstStepScheduling(Scheduled(0, "ChargePayment"));
        var runtime = RuntimeDriver.Create(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            await ctx.CreateTimer(TimeSpan.FromMinutes(1), CancellationToken.None);
            return "late";
        }));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("TaskScheduled 'ChargePayment'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("TimerCreated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_SubOrchestratorRenamed_ThrowsNamingBoth()
    {
        var history = FirstStepScheduling(new SubOrchestrationCreatedEvent
        {
            EventId = 0, Name = "ShipOrder", InstanceId = "child", Timestamp = T0,
        });
        var runtime = RuntimeDriver.Create(FuncTaskOrchestrator.Create<string, string>(
            (ctx, _) => ctx.CallSubOrchestratorAsync<string>("ShipOrderV2", new SubOrchestrationOptions { InstanceId = "child" })));

        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));

        Assert.Contains("'ShipOrder'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'ShipOrderV2'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RunStep_AfterNondeterministicReplay_FailsTheExecution()
    {
        // What the dispatcher does with a replay failure: record it, then let the step end the execution.
        var history = FirstStepScheduling(Scheduled(0, "ChargePayment"));
        var runtime = RuntimeDriver.Create(Calling("ReserveInventory"));
        var ex = Assert.Throws<NonDeterministicOrchestrationException>(() => RuntimeDriver.Replay(runtime, history));
        runtime.FailWith(ex);

        var step = RuntimeDriver.RunStep(runtime, T0.AddSeconds(1), []);

        Assert.Equal(OrchestrationStatus.Failed, runtime.Outcome?.Status);
        Assert.Equal(typeof(NonDeterministicOrchestrationException).FullName, runtime.Outcome?.Failure?.ErrorType);
        var completed = Assert.IsType<ExecutionCompletedEvent>(step.NewEvents[^1]);
        Assert.Equal(OrchestrationStatus.Failed, completed.Status);
        Assert.Empty(step.NewActions);
        Assert.DoesNotContain(step.NewEvents, e => e is TaskScheduledEvent);
    }
}
