using Microsoft.DurableTask;
using Microsoft.Extensions.Logging.Abstractions;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Engine.Replay;

namespace Perdure.Engine.Tests;

/// <summary>
/// A runtime rebuilt from history (cache miss, eviction, another worker) must behave exactly like the cached live one.
/// </summary>
public sealed class ReplayTests
{
    /// <summary>Activities, a fan-out, a timer, an event and a GUID: one of each thing replay must reproduce.</summary>
    private static TaskOrchestrator<int, string> Mixed() => FuncTaskOrchestrator.Create<int, string>(async (ctx, input) =>
    {
        var a = await ctx.CallActivityAsync<int>("A", input);
        var parallel = await Task.WhenAll(ctx.CallActivityAsync<int>("B", a), ctx.CallActivityAsync<int>("C", a));
        await ctx.CreateTimer(TimeSpan.FromMinutes(10), CancellationToken.None);
        var go = await ctx.WaitForExternalEvent<int>("Go");
        var id = ctx.NewGuid();
        var d = await ctx.CallActivityAsync<int>("D", parallel.Sum() + go);
        return $"{d}:{id:N}";
    });

    /// <summary>The inbox of each step of <see cref="Mixed"/>, at increasing times.</summary>
    private static IReadOnlyList<(DateTimeOffset Now, HistoryEvent[] Events)> MixedScript()
    {
        var t = RuntimeDriver.T0;
        return
        [
            (t, [RuntimeDriver.Started(1)]),
            (t.AddSeconds(1), [RuntimeDriver.Completed(0, 2)]),
            (t.AddSeconds(2), [RuntimeDriver.Completed(2, 30)]),
            (t.AddSeconds(3), [RuntimeDriver.Completed(1, 20), RuntimeDriver.Raised("Go", 100)]),
            (t.AddSeconds(3).AddMinutes(10), [RuntimeDriver.Fired(3, t.AddSeconds(3).AddMinutes(10))]),
            (t.AddMinutes(20), [RuntimeDriver.Completed(4, 150)]),
        ];
    }

    public static TheoryData<int> StepsBeforeCacheMiss => [1, 2, 3, 4, 5];

    [Theory]
    [MemberData(nameof(StepsBeforeCacheMiss))]
    public void Replay_HistoryOfTheLiveRun_BehavesLikeTheLiveRuntime(int stepsBeforeMiss)
    {
        var script = MixedScript();
        var live = new RuntimeDriver(Mixed());
        var outputs = script.Select(s => live.Step(s.Now, s.Events)).ToList();
        Assert.Equal(OrchestrationStatus.Completed, live.Runtime.Outcome?.Status);

        // The store holds the deltas of the first steps; a fresh runtime rebuilds from them.
        var committed = outputs.Take(stepsBeforeMiss).SelectMany(o => o.NewEvents).ToList();
        var replayed = new RuntimeDriver(Mixed());
        replayed.Replay(committed);

        Assert.Equal(committed.Count, replayed.Runtime.HistoryLength);
        Assert.Null(replayed.Runtime.Outcome);
        Assert.False(replayed.Runtime.IsReplaying);
        Assert.False(replayed.Runtime.IsPoisoned);
        Assert.Equal(RuntimeDriver.ExecutionId, replayed.Runtime.ExecutionId);

        // Every later step gives what the live runtime gave: same events, same actions, same end.
        for (var i = stepsBeforeMiss; i < script.Count; i++)
        {
            var step = replayed.Step(script[i].Now, script[i].Events);
            var expected = outputs[i];
            Assert.Equal(HistoryJson.Serialize(expected.NewEvents), HistoryJson.Serialize(step.NewEvents));
            Assert.Equal(expected.NewActions.Select(a => (a.Id, a.Describe())), step.NewActions.Select(a => (a.Id, a.Describe())));
        }

        Assert.Equal(live.Runtime.Outcome, replayed.Runtime.Outcome);
        Assert.Equal(live.Runtime.HistoryLength, committed.Count + replayed.History.Count);
    }

    [Fact]
    public void Replay_CompleteHistory_ReachesTheOutcomeWithoutNewActions()
    {
        var live = new RuntimeDriver(Mixed());
        foreach (var (now, events) in MixedScript())
        {
            live.Step(now, events);
        }

        var replayed = RuntimeDriver.Replayed(Mixed(), live.History);

        Assert.Equal(live.Runtime.Outcome, replayed.Outcome);
        Assert.Equal(live.History.Count, replayed.HistoryLength);
        Assert.Equal(live.Runtime.CurrentUtcDateTime, replayed.CurrentUtcDateTime);
    }

    [Fact]
    public void Replay_RecordedSteps_IsReplayingTrueThenFalseInTheNextStep()
    {
        var seen = new List<(string Where, bool IsReplaying)>();
        TaskOrchestrator<string, string> Recording() => FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            seen.Add(("start", ctx.IsReplaying));
            var a = await ctx.CallActivityAsync<string>("A");
            seen.Add(("after A", ctx.IsReplaying));
            var b = await ctx.CallActivityAsync<string>("B");
            seen.Add(("after B", ctx.IsReplaying));
            return a + b;
        });

        var live = new RuntimeDriver(Recording());
        live.Start(null);
        live.Step(RuntimeDriver.T0.AddSeconds(1), RuntimeDriver.Completed(0, "a"));
        Assert.Equal([("start", false), ("after A", false)], seen);

        seen.Clear();
        var replayed = new RuntimeDriver(Recording());
        replayed.Replay(live.History);
        Assert.Equal([("start", true), ("after A", true)], seen);
        Assert.False(replayed.Runtime.IsReplaying);

        replayed.Step(RuntimeDriver.T0.AddSeconds(2), RuntimeDriver.Completed(1, "b"));
        Assert.Equal([("start", true), ("after A", true), ("after B", false)], seen);
        Assert.Equal("\"ab\"", replayed.Runtime.Outcome?.Output);
    }

    [Fact]
    public void Replay_CurrentUtcDateTime_FollowsTheRecordedStepTimes()
    {
        var seen = new List<DateTime>();
        TaskOrchestrator<string, string> Recording() => FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            seen.Add(ctx.CurrentUtcDateTime);
            await ctx.CallActivityAsync("A");
            seen.Add(ctx.CurrentUtcDateTime);
            return await ctx.WaitForExternalEvent<string>("Never");
        });
        var live = new RuntimeDriver(Recording());
        live.Start(null);
        live.Step(RuntimeDriver.T0.AddHours(1), RuntimeDriver.Completed(0, null));
        var liveTimes = seen.ToList();
        seen.Clear();

        RuntimeDriver.Replayed(Recording(), live.History);

        Assert.Equal([RuntimeDriver.T0.UtcDateTime, RuntimeDriver.T0.AddHours(1).UtcDateTime], liveTimes);
        Assert.Equal(liveTimes, seen);
        Assert.All(seen, t => Assert.Equal(DateTimeKind.Utc, t.Kind));
    }

    [Fact]
    public void NewGuid_Replayed_GivesTheSameSequenceAndDiffersPerCall()
    {
        var seen = new List<Guid>();
        TaskOrchestrator<string, string> Recording() => FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            seen.Add(ctx.NewGuid());
            seen.Add(ctx.NewGuid());
            await ctx.CallActivityAsync("A");
            seen.Add(ctx.NewGuid());
            return await ctx.WaitForExternalEvent<string>("Never");
        });
        var live = new RuntimeDriver(Recording());
        live.Start(null);
        live.Step(RuntimeDriver.T0.AddSeconds(1), RuntimeDriver.Completed(0, null));
        var liveGuids = seen.ToList();
        seen.Clear();

        RuntimeDriver.Replayed(Recording(), live.History);

        Assert.Equal(3, liveGuids.Count);
        Assert.Equal(3, liveGuids.Distinct().Count());
        Assert.Equal(liveGuids, seen);
        Assert.All(liveGuids, g => Assert.Equal(5, g.Version));
    }

    [Fact]
    public void NewGuid_OtherInstance_GivesOtherGuids()
    {
        Guid? first = null;
        var orchestrator = FuncTaskOrchestrator.Create<string, string>((ctx, _) =>
        {
            first = ctx.NewGuid();
            return Task.FromResult("done");
        });
        var a = RuntimeDriver.Create(orchestrator);
        RuntimeDriver.RunStep(a, RuntimeDriver.T0, [new InstanceMessage { InstanceId = "a", Event = RuntimeDriver.Started(null), MessageId = 1 }]);
        var fromA = first;
        var b = new OrchestrationRuntime("b", orchestrator, a.Converter, NullLoggerFactory.Instance);
        RuntimeDriver.RunStep(b, RuntimeDriver.T0, [new InstanceMessage { InstanceId = "b", Event = RuntimeDriver.Started(null), MessageId = 1 }]);

        Assert.NotNull(fromA);
        Assert.NotEqual(fromA, first);
    }
}
