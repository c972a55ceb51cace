using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Perdure.Benchmarks;

/// <summary>
/// W1 of DESIGN.md section 7, many short chains: N instances, each calling 5 activities one after the other. Every
/// activity returns its input plus a suffix that numbers the step, so the expected output of instance i is exactly
/// "w1-i/1/2/3/4/5"; any lost, repeated or reordered step shows as a wrong output.
/// </summary>
internal static class W1ShortChains
{
    public const int StepsPerInstance = 5;
    private const string Orchestrator = "W1Chain";
    private const string Activity = "W1Step";
    private static int s_runCounter;

    public static string Expected(int instance) =>
        $"w1-{instance}" + string.Concat(Enumerable.Range(1, StepsPerInstance).Select(k => $"/{k}"));

    /// <summary>
    /// Runs W1 once on a fresh host, task hub and (SQLite) database file; the time covers scheduling all instances to the
    /// last completion. The file is deleted afterwards.
    /// </summary>
    public static async Task<RunResult> RunAsync(BenchmarkOptions options, BenchStore store, int instances, TimeSpan timeout)
    {
        var taskHub = $"w1_{Interlocked.Increment(ref s_runCounter)}_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub);
        var host = BenchHost.Build(options, location, Register);
        try
        {
            await host.StartAsync().ConfigureAwait(false);
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            using var cts = new CancellationTokenSource(timeout);
            var stopwatch = Stopwatch.StartNew();
            // All instances are scheduled at once, as many callers of a service would: their creations share commits.
            var ids = await Task.WhenAll(Enumerable.Range(0, instances)
                .Select(i => client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, $"w1-{i}", cts.Token))).ConfigureAwait(false);

            OrchestrationMetadata?[] results;
            try
            {
                results = await Task.WhenAll(ids.Select(id => client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token)))
                    .ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new RunResult(taskHub, instances, stopwatch.Elapsed, 0, [$"not all instances finished within {timeout.TotalSeconds:0} s"]);
            }

            stopwatch.Stop();
            return new RunResult(taskHub, instances, stopwatch.Elapsed, location.FileBytes(), Verify(ids, results));
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }
    }

    private static void Register(DurableTaskRegistry r) => r
        .AddOrchestratorFunc<string, string>(Orchestrator, async (context, input) =>
        {
            var value = input;
            for (var step = 0; step < StepsPerInstance; step++)
            {
                value = await context.CallActivityAsync<string>(Activity, value);
            }

            return value;
        })
        .AddActivityFunc<string, string>(Activity, (_, input) => $"{input}/{input.Count(c => c == '/') + 1}");

    private static List<string> Verify(string[] ids, OrchestrationMetadata?[] results)
    {
        var errors = new List<string>();
        for (var i = 0; i < ids.Length; i++)
        {
            var result = results[i];
            var expected = Expected(i);
            if (result is null)
            {
                errors.Add($"instance {ids[i]} (#{i}) does not exist");
            }
            else if (result.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
            {
                errors.Add($"instance {ids[i]} (#{i}) is {result.RuntimeStatus}: {result.FailureDetails?.ErrorMessage}");
            }
            else if (result.ReadOutputAs<string>() is var output && output != expected)
            {
                errors.Add($"instance {ids[i]} (#{i}) returned '{output}', expected '{expected}'");
            }
        }

        return errors;
    }
}

/// <summary>One timed run of W1.</summary>
/// <param name="TaskHub">The task hub it ran on.</param>
/// <param name="Instances">How many instances it ran.</param>
/// <param name="Elapsed">From the first schedule to the last completion.</param>
/// <param name="FileBytes">Size of the SQLite database and its WAL at the end (0 in memory).</param>
/// <param name="Errors">Wrong outputs, failed instances or a timeout; empty when every output was right.</param>
internal sealed record RunResult(string TaskHub, int Instances, TimeSpan Elapsed, long FileBytes, IReadOnlyList<string> Errors)
{
    public double StepsPerSecond => Instances * W1ShortChains.StepsPerInstance / Elapsed.TotalSeconds;

    public double InstancesPerSecond => Instances / Elapsed.TotalSeconds;
}
