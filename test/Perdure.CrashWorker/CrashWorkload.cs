using Microsoft.DurableTask;

namespace Perdure.CrashWorker;

/// <summary>
/// The orchestrations the crash test runs. Every activity call has a step id unique in the whole run
/// ("instance/step"); the activity logs "stepId incarnation" and returns "stepId@incarnation", so the committed history
/// tells which process's execution counted.
/// </summary>
public static class CrashWorkload
{
    public const string TaskHub = "crash";

    public static void Register(DurableTaskRegistry registry, int incarnation, string logPath)
    {
        var log = new ExecutionLog(logPath);
        registry
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
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown workload kind."),
    };

    private static string Strip(string result) => result[..result.LastIndexOf('@')];

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
