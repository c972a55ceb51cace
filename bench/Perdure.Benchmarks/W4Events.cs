using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Perdure.Benchmarks;

/// <summary>
/// W4 of DESIGN.md section 7, events: <c>instances</c> instances each wait for an external event raced against a 30 s
/// durable timer. The first step of each instance creates the timer and the wait, so once the instance is Running it
/// waits. Two passes on one host and store, each timing from the client's raise to the completed wait, as a caller sees
/// it:
/// <list type="bullet">
/// <item>one by one: all instances start and wait (with their timers pending); then the client raises one event at a
/// time and waits for its instance to complete before the next. This is the latency of an event, and the pass that DESIGN's
/// target (p99 ≤ 20 ms on SQLite) is about.</item>
/// <item>burst: each instance's event is raised as soon as that instance runs, all at once, so about <c>instances</c>
/// raises queue together; the latency is mostly the wait behind the others, and the events per second from the first
/// raise to the last completion is the throughput figure.</item>
/// </list>
/// The event must win every race: an instance returns "event:&lt;payload&gt;" or, if the timer fired, "timer".
/// </summary>
internal static class W4Events
{
    private const string Orchestrator = "W4Race";
    private const string EventName = "go";
    private static readonly TimeSpan TimerDelay = TimeSpan.FromSeconds(30);

    public static async Task<(LatencyResult OneByOne, LatencyResult Burst)> RunAsync(
        BenchmarkOptions options, BenchStore store, int instances, TimeSpan timeout)
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
            var oneByOne = await OneByOneAsync(client, instances, timeout).ConfigureAwait(false);
            var burst = oneByOne.Errors.Count > 0
                ? new LatencyResult([], ["not run: the one-by-one pass failed"])
                : await BurstAsync(client, instances, timeout).ConfigureAwait(false);
            return (oneByOne, burst);
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }
    }

    private static async Task<LatencyResult> OneByOneAsync(DurableTaskClient client, int instances, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var errors = new ConcurrentQueue<string>();
        var samples = new List<double>(instances);
        try
        {
            var ids = await Task.WhenAll(Enumerable.Range(0, instances)
                .Select(_ => client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, cts.Token))).ConfigureAwait(false);
            await Task.WhenAll(ids.Select(id => client.WaitForInstanceStartAsync(id, cts.Token))).ConfigureAwait(false);
            for (var i = 0; i < ids.Length && errors.IsEmpty; i++)
            {
                if (await RaiseAndWaitAsync(client, ids[i], $"w4-one-{i}", errors, cts.Token).ConfigureAwait(false) is { } ms)
                {
                    samples.Add(ms);
                }
            }
        }
        catch (OperationCanceledException)
        {
            errors.Enqueue($"W4 one by one did not finish within {timeout.TotalSeconds:0} s");
        }

        return new LatencyResult(samples, [.. errors]);
    }

    private static async Task<LatencyResult> BurstAsync(DurableTaskClient client, int instances, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var errors = new ConcurrentQueue<string>();
        var samples = new ConcurrentQueue<double>();
        var firstRaise = long.MaxValue;
        var lastCompletion = 0L;
        try
        {
            var ids = await Task.WhenAll(Enumerable.Range(0, instances)
                .Select(_ => client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, cts.Token))).ConfigureAwait(false);
            await Task.WhenAll(ids.Select(async (id, i) =>
            {
                await client.WaitForInstanceStartAsync(id, cts.Token).ConfigureAwait(false);
                Min(ref firstRaise, Stopwatch.GetTimestamp());
                if (await RaiseAndWaitAsync(client, id, $"w4-burst-{i}", errors, cts.Token).ConfigureAwait(false) is { } ms)
                {
                    samples.Enqueue(ms);
                }

                Max(ref lastCompletion, Stopwatch.GetTimestamp());
            })).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            errors.Enqueue($"W4 burst did not finish within {timeout.TotalSeconds:0} s");
        }

        return new LatencyResult([.. samples], [.. errors])
        {
            WallSeconds = errors.IsEmpty ? Stopwatch.GetElapsedTime(firstRaise, lastCompletion).TotalSeconds : null,
        };

        static void Min(ref long target, long value)
        {
            for (var seen = Volatile.Read(ref target); value < seen; seen = Volatile.Read(ref target))
            {
                if (Interlocked.CompareExchange(ref target, value, seen) == seen)
                {
                    return;
                }
            }
        }

        static void Max(ref long target, long value)
        {
            for (var seen = Volatile.Read(ref target); value > seen; seen = Volatile.Read(ref target))
            {
                if (Interlocked.CompareExchange(ref target, value, seen) == seen)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Raises the instance's event and waits for it to complete; the milliseconds taken, or null when its output is wrong.</summary>
    private static async Task<double?> RaiseAndWaitAsync(
        DurableTaskClient client, string id, string payload, ConcurrentQueue<string> errors, CancellationToken cancellationToken)
    {
        var stopwatch = Stopwatch.StartNew();
        await client.RaiseEventAsync(id, EventName, payload, cancellationToken).ConfigureAwait(false);
        var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
        stopwatch.Stop();
        if (Outputs.Wrong($"instance {id}", result, "event:" + payload) is { } wrong)
        {
            var timerWon = result.RuntimeStatus == OrchestrationRuntimeStatus.Completed && result.ReadOutputAs<string>() == "timer";
            errors.Enqueue(wrong + (timerWon ? " (the timer won)" : string.Empty));
            return null;
        }

        return stopwatch.Elapsed.TotalMilliseconds;
    }
}
