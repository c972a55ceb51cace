using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;
using Microsoft.Extensions.DependencyInjection;

namespace Perdure.Benchmarks;

/// <summary>
/// W7 of DESIGN.md section 7, entities: the client sends signals ("add 1") all at once, either all to one counter entity
/// or spread evenly over many; the run ends when one orchestration, started after every signal was committed, has read
/// every counter with a call (calls are served after the signals that arrived before them), and the sum must equal the
/// number of signals. Operations/s is signals over the time from the first signal to that read.
/// </summary>
internal static class W7Entities
{
    private const string Orchestrator = "W7Sum";

    public sealed class W7Counter : TaskEntity<int>
    {
        public void Add(int amount) => State += amount;

        public int Get() => State;
    }

    public static async Task<EntityRunResult> RunAsync(BenchmarkOptions options, BenchStore store, int signals, int entities, TimeSpan timeout)
    {
        var taskHub = $"w7_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub);
        var host = BenchHost.Build(options, location, r => r
            .AddEntity<W7Counter>()
            .AddOrchestratorFunc<int, int>(Orchestrator, async (context, count) =>
            {
                var reads = Enumerable.Range(0, count).Select(i => context.Entities.CallEntityAsync<int>(Counter(i), "get"));
                return (await Task.WhenAll(reads)).Sum();
            }));
        try
        {
            await host.StartAsync().ConfigureAwait(false);
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            using var cts = new CancellationTokenSource(timeout);
            var stopwatch = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, signals)
                .Select(i => client.Entities.SignalEntityAsync(Counter(i % entities), "add", 1, cancellation: cts.Token))).ConfigureAwait(false);
            var id = await client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, entities, cts.Token).ConfigureAwait(false);
            OrchestrationMetadata result;
            try
            {
                result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return new EntityRunResult(signals, entities, stopwatch.Elapsed, [$"the signals were not all applied within {timeout.TotalSeconds:0} s"]);
            }

            stopwatch.Stop();
            var errors = new List<string>();
            if (Outputs.Wrong("the reading orchestration", result, signals) is { } wrong)
            {
                errors.Add($"{wrong} (the sum of the counters)");
            }

            return new EntityRunResult(signals, entities, stopwatch.Elapsed, errors);
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }
    }

    private static EntityInstanceId Counter(int i) => new(nameof(W7Counter), $"c{i}");
}

/// <summary>One timed run of W7.</summary>
/// <param name="Signals">How many signals were sent.</param>
/// <param name="Entities">Over how many entities.</param>
/// <param name="Elapsed">From the first signal to the read that saw them all.</param>
/// <param name="Errors">A wrong sum or a timeout; empty when right.</param>
internal sealed record EntityRunResult(int Signals, int Entities, TimeSpan Elapsed, IReadOnlyList<string> Errors)
{
    public double OperationsPerSecond => Signals / Elapsed.TotalSeconds;
}
