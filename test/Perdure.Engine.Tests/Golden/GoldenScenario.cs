using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Tests.Golden;

/// <summary>
/// A representative orchestration with a fixed inbox per step and fixed times, so recording it always gives the same
/// history. <c>Golden/&lt;Name&gt;.json</c> holds that history as it was recorded; see <see cref="GoldenHistoryTests"/>.
/// </summary>
/// <param name="Name">The file name without extension.</param>
/// <param name="Orchestrator">Creates the orchestrator the history belongs to.</param>
/// <param name="Input">The orchestration input.</param>
/// <param name="Steps">The messages of each step after the first (which only starts the orchestration).</param>
/// <param name="Status">How the execution ends.</param>
/// <param name="Output">The serialized output it ends with.</param>
internal sealed record GoldenScenario(
    string Name,
    Func<ITaskOrchestrator> Orchestrator,
    object? Input,
    IReadOnlyList<(TimeSpan At, HistoryEvent[] Events)> Steps,
    OrchestrationStatus Status,
    string? Output)
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;
    private static readonly string[] Cities = ["Tokyo", "Seattle", "London"];

    public static IReadOnlyList<GoldenScenario> All { get; } = [Chain(), FanOutFanIn(), TimerEventRace(), SubOrchestrations(), EntityTransfer()];

    public static GoldenScenario Get(string name) => All.Single(s => s.Name == name);

    /// <summary>Runs the scenario live, step by step, and returns the history a store would hold.</summary>
    public List<HistoryEvent> Record()
    {
        var driver = new RuntimeDriver(Orchestrator());
        driver.Start(Input);
        foreach (var (at, events) in Steps)
        {
            driver.Step(T0 + at, events);
        }

        if (driver.Runtime.Outcome?.Status != Status || driver.Runtime.Outcome.Output != Output)
        {
            throw new InvalidOperationException(
                $"Scenario '{Name}' ended as {driver.Runtime.Outcome?.Status} with '{driver.Runtime.Outcome?.Output}', " +
                $"not {Status} with '{Output}': fix the scenario before recording it.");
        }

        return driver.History;
    }

    /// <summary>Three activities in sequence, each fed the previous result.</summary>
    private static GoldenScenario Chain() => new(
        "chain",
        () => FuncTaskOrchestrator.Create<string, List<string>>(async (ctx, greeting) =>
        {
            List<string> results = [];
            foreach (var city in Cities)
            {
                results.Add(await ctx.CallActivityAsync<string>("SayHello", $"{greeting} {city}"));
            }

            return results;
        }),
        "Hello",
        [
            (TimeSpan.FromSeconds(1), [RuntimeDriver.Completed(0, "Hello Tokyo!")]),
            (TimeSpan.FromSeconds(2), [RuntimeDriver.Completed(1, "Hello Seattle!")]),
            (TimeSpan.FromSeconds(3), [RuntimeDriver.Completed(2, "Hello London!")]),
        ],
        OrchestrationStatus.Completed,
        "[\"Hello Tokyo!\",\"Hello Seattle!\",\"Hello London!\"]");

    /// <summary>Four activities at once, completing out of order and two per step, then one that sums them.</summary>
    private static GoldenScenario FanOutFanIn() => new(
        "fan-out-fan-in",
        () => FuncTaskOrchestrator.Create<int, int>(async (ctx, count) =>
        {
            var squares = await Task.WhenAll(Enumerable.Range(0, count).Select(i => ctx.CallActivityAsync<int>("Square", i)));
            return await ctx.CallActivityAsync<int>("Sum", squares);
        }),
        4,
        [
            (TimeSpan.FromSeconds(1), [RuntimeDriver.Completed(2, 4), RuntimeDriver.Completed(0, 0)]),
            (TimeSpan.FromSeconds(2), [RuntimeDriver.Completed(3, 9)]),
            (TimeSpan.FromSeconds(3), [RuntimeDriver.Completed(1, 1)]),
            (TimeSpan.FromSeconds(4), [RuntimeDriver.Completed(4, 14)]),
        ],
        OrchestrationStatus.Completed,
        "14");

    /// <summary>An approval raced against a one-hour timeout, twice: the event wins, then the timer does.</summary>
    private static GoldenScenario TimerEventRace() => new(
        "timer-event-race",
        () => FuncTaskOrchestrator.Create<string?, string>(async (ctx, _) =>
        {
            List<string> rounds = [];
            for (var round = 0; round < 2; round++)
            {
                using var cts = new CancellationTokenSource();
                var timeout = ctx.CreateTimer(TimeSpan.FromHours(1), cts.Token);
                var approval = ctx.WaitForExternalEvent<bool>("Approval");
                if (await Task.WhenAny(approval, timeout) == approval)
                {
                    cts.Cancel();
                    rounds.Add(await approval ? "approved" : "rejected");
                }
                else
                {
                    rounds.Add("timed out");
                }
            }

            return string.Join(",", rounds);
        }),
        null,
        [
            (TimeSpan.FromMinutes(10), [RuntimeDriver.Raised("approval", true)]),
            // The cancelled first timer still fires; the engine must ignore it.
            (TimeSpan.FromHours(1), [RuntimeDriver.Fired(0, T0.AddHours(1))]),
            (TimeSpan.FromMinutes(70), [RuntimeDriver.Fired(1, T0.AddMinutes(70))]),
        ],
        OrchestrationStatus.Completed,
        "\"approved,timed out\"");

    /// <summary>Two children at once (one with a generated instance id), then one that fails and is caught.</summary>
    private static GoldenScenario SubOrchestrations() => new(
        "sub-orchestration",
        () => FuncTaskOrchestrator.Create<string?, string>(async (ctx, _) =>
        {
            var named = ctx.CallSubOrchestratorAsync<string>("Child", "a", new SubOrchestrationOptions { InstanceId = "child-a" });
            var generated = ctx.CallSubOrchestratorAsync<string>("Child", "b");
            var results = await Task.WhenAll(named, generated);
            try
            {
                await ctx.CallSubOrchestratorAsync<string>("Child", "c");
                return "unreachable";
            }
            catch (TaskFailedException failed)
            {
                return $"{string.Join(",", results)}; c: {failed.FailureDetails.ErrorMessage}";
            }
        }),
        null,
        [
            (TimeSpan.FromSeconds(1), [RuntimeDriver.SubCompleted(1, "B"), RuntimeDriver.SubCompleted(0, "A")]),
            (TimeSpan.FromSeconds(2),
            [
                new SubOrchestrationFailedEvent
                {
                    TaskScheduledId = 2,
                    Failure = new FailureDetails("System.InvalidOperationException", "child c refused"),
                    Timestamp = T0.AddSeconds(2),
                },
            ]),
        ],
        OrchestrationStatus.Completed,
        "\"A,B; c: child c refused\"");

    /// <summary>
    /// A transfer inside a critical section (locks given out of order), two calls at once answered out of order, the
    /// release, a scheduled signal, and a call that fails and is caught.
    /// </summary>
    private static GoldenScenario EntityTransfer() => new(
        "entity-transfer",
        () => FuncTaskOrchestrator.Create<int, string>(async (ctx, amount) =>
        {
            var alice = new EntityInstanceId("Account", "alice");
            var bob = new EntityInstanceId("Account", "bob");
            var audit = new EntityInstanceId("Audit", "transfers");
            string result;
            await using (await ctx.Entities.LockEntitiesAsync(bob, alice))
            {
                var balance = await ctx.Entities.CallEntityAsync<int>(alice, "Get");
                if (balance < amount)
                {
                    result = "insufficient";
                }
                else
                {
                    await Task.WhenAll(
                        ctx.Entities.CallEntityAsync(alice, "Withdraw", amount),
                        ctx.Entities.CallEntityAsync(bob, "Deposit", amount));
                    result = "moved";
                }
            }

            await ctx.Entities.SignalEntityAsync(audit, "Record", amount, new SignalEntityOptions
            {
                SignalTime = new DateTimeOffset(ctx.CurrentUtcDateTime).AddMinutes(5),
            });
            try
            {
                await ctx.Entities.CallEntityAsync(audit, "Check");
            }
            catch (EntityOperationFailedException failed)
            {
                result += $"; audit: {failed.FailureDetails.ErrorMessage}";
            }

            return result;
        }),
        30,
        [
            (TimeSpan.FromSeconds(1), [RuntimeDriver.Granted(0, "@account@alice", "@account@bob")]),
            (TimeSpan.FromSeconds(2), [RuntimeDriver.EntityCompleted(1, 100)]),
            (TimeSpan.FromSeconds(3), [RuntimeDriver.EntityCompleted(3, null), RuntimeDriver.EntityCompleted(2, null)]),
            (TimeSpan.FromSeconds(4), [RuntimeDriver.EntityFailed(6, new FailureDetails("System.InvalidOperationException", "audit closed"))]),
        ],
        OrchestrationStatus.Completed,
        "\"moved; audit: audit closed\"");
}
