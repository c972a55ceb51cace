using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace Perdure.CrashWorker;

/// <summary>
/// The orchestrations and entities the crash test runs. Every activity call has a step id unique in the whole run
/// ("instance/step"); the activity logs "stepId incarnation" and returns "stepId@incarnation", so the committed history
/// tells which process's execution counted. Every "add" on a counter entity logs "entityId incarnation", so the test
/// can tell how many operations ran again after a kill, and the counters' final values how many counted.
/// </summary>
public static class CrashWorkload
{
    public const string TaskHub = "crash";

    /// <summary>A counter that "Count" orchestrations call and lock, and clients signal.</summary>
    public static readonly EntityInstanceId CounterA = new("counter", "a");

    /// <summary>A counter that "Count" orchestrations signal and lock, and clients signal.</summary>
    public static readonly EntityInstanceId CounterB = new("counter", "b");

    /// <summary>How much one "Count" orchestration adds to each counter.</summary>
    public const int AddedPerCount = CountRounds + 1;

    private const int CountRounds = 3;

    public static void Register(DurableTaskRegistry registry, int incarnation, string logPath)
    {
        var log = new ExecutionLog(logPath);
        registry
            .AddEntity("counter", _ => new Counter(log, incarnation))
            .AddOrchestratorFunc<object?, string>("Count", async (ctx, _) =>
            {
                // Calls and signals outside a critical section, then one call to each counter inside one that locks both.
                for (var i = 0; i < CountRounds; i++)
                {
                    await ctx.Entities.CallEntityAsync(CounterA, "add", 1);
                    await ctx.Entities.SignalEntityAsync(CounterB, "add", 1);
                }

                await using (await ctx.Entities.LockEntitiesAsync(CounterB, CounterA))
                {
                    await ctx.Entities.CallEntityAsync(CounterA, "add", 1);
                    await ctx.Entities.CallEntityAsync(CounterB, "add", 1);
                }

                return "counted";
            })
            .AddOrchestratorFunc<object?, int[]>("ReadCounters", async (ctx, _) =>
                [await ctx.Entities.CallEntityAsync<int>(CounterA, "get"), await ctx.Entities.CallEntityAsync<int>(CounterB, "get")])
            .AddActivityFunc<string, string>("Step", (_, stepId) =>
            {
                log.Append($"{stepId} {incarnation}");
                return $"{stepId}@{incarnation}";
            })
            .AddOrchestratorFunc<object?, string>("Chain", async (ctx, _) =>
            {
                var parts = new List<string>();
                for (var i = 0; i < 5; i++)
                {
                    parts.Add(Strip(await ctx.CallActivityAsync<string>("Step", $"{ctx.InstanceId}/{i}")));
                }

                return string.Join(",", parts);
            })
            .AddOrchestratorFunc<object?, string>("FanOut", async (ctx, _) =>
            {
                var results = await Task.WhenAll(Enumerable.Range(0, 10)
                    .Select(i => ctx.CallActivityAsync<string>("Step", $"{ctx.InstanceId}/{i}")));
                return string.Join(",", results.Select(Strip));
            })
            .AddOrchestratorFunc<object?, string>("Timer", async (ctx, _) =>
            {
                var first = Strip(await ctx.CallActivityAsync<string>("Step", $"{ctx.InstanceId}/0"));
                await ctx.CreateTimer(TimeSpan.FromMilliseconds(300), CancellationToken.None);
                var second = Strip(await ctx.CallActivityAsync<string>("Step", $"{ctx.InstanceId}/1"));
                return $"{first},{second}";
            })
            .AddOrchestratorFunc<object?, string>("Event", async (ctx, _) =>
            {
                var first = Strip(await ctx.CallActivityAsync<string>("Step", $"{ctx.InstanceId}/0"));
                var go = await ctx.WaitForExternalEvent<string>("go");
                var second = Strip(await ctx.CallActivityAsync<string>("Step", $"{ctx.InstanceId}/1"));
                return $"{first},{go},{second}";
            });
    }

    /// <summary>The output each orchestration must end with, whatever was killed on the way.</summary>
    public static string ExpectedOutput(string kind, string instanceId) => kind switch
    {
        "Chain" => string.Join(",", Enumerable.Range(0, 5).Select(i => $"{instanceId}/{i}")),
        "FanOut" => string.Join(",", Enumerable.Range(0, 10).Select(i => $"{instanceId}/{i}")),
        "Timer" => $"{instanceId}/0,{instanceId}/1",
        "Event" => $"{instanceId}/0,go,{instanceId}/1",
        "Count" => "counted",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown workload kind."),
    };

    private static string Strip(string result) => result[..result.LastIndexOf('@')];

    /// <summary>A counter whose every "add" is logged before it changes the state (which counts only if its batch commits).</summary>
    private sealed class Counter(ExecutionLog log, int incarnation) : TaskEntity<int>
    {
        public void Add(int amount)
        {
            log.Append($"{Context.Id} {incarnation}");
            State += amount;
        }

        public int Get() => State;
    }

    /// <summary>Appends lines and hands each to the operating system at once, so SIGKILL loses none.</summary>
    private sealed class ExecutionLog(string path)
    {
        private readonly Lock _gate = new();

        public void Append(string line)
        {
            lock (_gate)
            {
                using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
                var bytes = System.Text.Encoding.UTF8.GetBytes(line + "\n");
                stream.Write(bytes);
            }
        }
    }
}
