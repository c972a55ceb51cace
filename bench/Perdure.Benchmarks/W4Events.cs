using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Perdure.Benchmarks;

/// <summary>
/// W4 of DESIGN.md section 7, events: <c>instances</c> instances each wait for an external event raced against a 30 s
/// durable timer. The first step of each instance creates the timer and the wait, so once the instance is Running it
/// waits; the client then raises its event and times from the raise to the completed wait, as a caller sees it. The
/// event must win every race: an instance returns "event:&lt;payload&gt;" or, if the timer fired, "timer".
/// </summary>
internal static class W4Events
{
    private const string Orchestrator = "W4Race";
    private const string EventName = "go";
    private static readonly TimeSpan TimerDelay = TimeSpan.FromSeconds(30);

    public static async Task<LatencyResult> RunAsync(BenchmarkOptions options, BenchStore store, int instances, TimeSpan timeout)
    {
        var taskHub = $"w4_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub);
        var host = BenchHost.Build(options, location, r => r
            .AddOrchestratorFunc<object?, string>(Orchestrator, async (context, _) =>
            {
                using var cancel = new CancellationTokenSource();
                var timer = context.CreateTimer(TimerDelay, cancel.Token);
                var received = context.WaitForExternalEvent<string>(EventName);
                if (await Task.WhenAny(received, timer) == received)
                {
                    cancel.Cancel();
                    return "event:" + await received;
                }

                return "timer";
            }));
        try
        {
            await host.StartAsync().ConfigureAwait(false);
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            using var cts = new CancellationTokenSource(timeout);
            var errors = new ConcurrentQueue<string>();
            var samples = new ConcurrentQueue<double>();
            try
            {
                var ids = await Task.WhenAll(Enumerable.Range(0, instances)
                    .Select(_ => client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, cts.Token))).ConfigureAwait(false);
                await Task.WhenAll(ids.Select(async (id, i) =>
                {
                    await client.WaitForInstanceStartAsync(id, cts.Token).ConfigureAwait(false);
                    var payload = $"w4-{i}";
                    var stopwatch = Stopwatch.StartNew();
                    await client.RaiseEventAsync(id, EventName, payload, cts.Token).ConfigureAwait(false);
                    var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token).ConfigureAwait(false);
                    stopwatch.Stop();
                    if (result.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
                    {
                        errors.Enqueue($"instance {id} is {result.RuntimeStatus}: {result.FailureDetails?.ErrorMessage}");
                    }
                    else if (result.ReadOutputAs<string>() is var output && output != "event:" + payload)
                    {
                        errors.Enqueue($"instance {id} returned '{output}', expected 'event:{payload}'" + (output == "timer" ? " (the timer won)" : string.Empty));
                    }
                    else
                    {
                        samples.Enqueue(stopwatch.Elapsed.TotalMilliseconds);
                    }
                })).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                errors.Enqueue($"W4 did not finish within {timeout.TotalSeconds:0} s");
            }

            return new LatencyResult([.. samples], [.. errors]);
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }
    }
}
