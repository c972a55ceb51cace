using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Perdure.Benchmarks;

/// <summary>
/// W2 of DESIGN.md section 7, fan-out/fan-in: one instance schedules <c>activities</c> activities at once, waits for all
/// and sums their results; timed from the client's schedule call to the return of its wait for completion. Activity i
/// returns i, so the sum must be exactly activities × (activities − 1) / 2. Each repetition runs on a fresh store.
/// </summary>
internal static class W2FanOut
{
    private const string Orchestrator = "W2FanOut";
    private const string Activity = "W2Item";

    public static async Task<FanOutResult> RunAsync(BenchmarkOptions options, BenchStore store, int activities, TimeSpan timeout)
    {
        var taskHub = $"w2_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub);
        var host = BenchHost.Build(options, location, r => r
            .AddOrchestratorFunc<int, long>(Orchestrator, async (context, count) =>
            {
                var calls = new Task<int>[count];
                for (var i = 0; i < count; i++)
                {
                    calls[i] = context.CallActivityAsync<int>(Activity, i);
                }

                var results = await Task.WhenAll(calls);
                return results.Sum(x => (long)x);
            })
            .AddActivityFunc<int, int>(Activity, (_, i) => i));
        try
        {
            await host.StartAsync().ConfigureAwait(false);
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            using var cts = new CancellationTokenSource(timeout);
            var errors = new List<string>();
            var stopwatch = Stopwatch.StartNew();
            try
            {
                var id = await client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, activities, cts.Token).ConfigureAwait(false);
                var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token).ConfigureAwait(false);
                stopwatch.Stop();
                var expected = (long)activities * (activities - 1) / 2;
                if (Outputs.Wrong($"instance {id}", result, expected) is { } wrong)
                {
                    errors.Add($"{wrong} (the sum of the results)");
                }
            }
            catch (OperationCanceledException)
            {
                errors.Add($"W2 did not finish within {timeout.TotalSeconds:0} s");
            }

            return new FanOutResult(activities, stopwatch.Elapsed, errors);
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }
    }
}

/// <summary>One timed run of W2.</summary>
/// <param name="Activities">How many activities the instance fanned out.</param>
/// <param name="Elapsed">From the schedule call to the completed wait.</param>
/// <param name="Errors">A wrong sum, a failed instance or a timeout; empty when right.</param>
internal sealed record FanOutResult(int Activities, TimeSpan Elapsed, IReadOnlyList<string> Errors);
