using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Perdure.Benchmarks;

/// <summary>
/// W3 of DESIGN.md section 7, latency: one-activity instances run one after another on one host and one fresh store;
/// each is timed from the client's schedule call to the return of its wait for completion, as a caller sees it. The
/// activity returns its input plus "!", so instance i must return exactly "w3-i!".
/// </summary>
internal static class W3Latency
{
    private const string Orchestrator = "W3Single";
    private const string Activity = "W3Step";

    public static async Task<LatencyResult> RunAsync(BenchmarkOptions options, BenchStore store, int warmUp, int instances, TimeSpan timeout)
    {
        var taskHub = $"w3_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub);
        var host = BenchHost.Build(options, location, r => r
            .AddOrchestratorFunc<string, string>(Orchestrator, (context, input) => context.CallActivityAsync<string>(Activity, input))
            .AddActivityFunc<string, string>(Activity, (_, input) => input + "!"));
        try
        {
            await host.StartAsync().ConfigureAwait(false);
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            using var cts = new CancellationTokenSource(timeout);
            var errors = new List<string>();
            var samples = new List<double>(instances);
            try
            {
                for (var i = -warmUp; i < instances && errors.Count == 0; i++)
                {
                    var input = i < 0 ? $"w3-warm-up-{-i}" : $"w3-{i}";
                    var stopwatch = Stopwatch.StartNew();
                    var id = await client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, input, cts.Token).ConfigureAwait(false);
                    var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token).ConfigureAwait(false);
                    stopwatch.Stop();
                    if (Outputs.Wrong($"instance {id} ({input})", result, input + "!") is { } wrong)
                    {
                        errors.Add(wrong);
                    }
                    else if (i >= 0)
                    {
                        samples.Add(stopwatch.Elapsed.TotalMilliseconds);
                    }
                }
            }
            catch (OperationCanceledException)
            {
                errors.Add($"W3 did not finish within {timeout.TotalSeconds:0} s");
            }

            return new LatencyResult(samples, errors);
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }
    }
}

/// <summary>The latencies of W3 (or W4), in milliseconds, in the order they were measured.</summary>
internal sealed record LatencyResult(IReadOnlyList<double> Milliseconds, IReadOnlyList<string> Errors)
{
    /// <summary>For W4's burst: seconds from the first raise to the last completion; null where it was not timed.</summary>
    public double? WallSeconds { get; init; }

    /// <summary>The nearest-rank percentile (the smallest sample with at least p% of the samples at or below it).</summary>
    public double Percentile(double p)
    {
        if (Milliseconds.Count == 0)
        {
            return double.NaN;
        }

        var sorted = Milliseconds.Order().ToArray();
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public double Mean => Milliseconds.Count == 0 ? double.NaN : Milliseconds.Average();

    public double Max => Milliseconds.Count == 0 ? double.NaN : Milliseconds.Max();

    /// <summary>The figures the JSON results carry.</summary>
    public object Summary() => new
    {
        Instances = Milliseconds.Count,
        P50Ms = Percentile(50),
        P95Ms = Percentile(95),
        P99Ms = Percentile(99),
        MeanMs = Mean,
        MaxMs = Max,
        WallSeconds,
    };
}
