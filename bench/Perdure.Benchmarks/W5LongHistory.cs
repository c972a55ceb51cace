using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Perdure.Benchmarks;

/// <summary>
/// W5 of DESIGN.md section 7, long history: one instance calls <c>steps</c> activities one after another. Each activity
/// stamps the time it starts, so the gap between two stamps is one whole step as the engine runs it: the activity's
/// result committed, the orchestration claimed, run from the cache (or replayed) and checkpointed, the next activity
/// claimed. Per-step times are read near history lengths 100, 1,000 and 10,000 steps; with the sticky cache they stay
/// flat. Then the instance waits for an event; a second host with the cache off raises it and runs a few more steps,
/// each of which reads and replays the whole history: the cold step.
/// </summary>
internal static class W5LongHistory
{
    private const string Orchestrator = "W5Long";
    private const string Activity = "W5Step";
    private const string ColdEvent = "cold";
    private const int WarmUpSteps = 200;

    /// <summary>Steps that, with the cold tail, make a history of about 10,000 events (three events a step).</summary>
    public const int StepsForTenThousandEvents = 3_320;

    // The activity's start times, by step number; one instance runs at a time. The activity of step s_signalAt
    // completes s_reached when it starts.
    private static long[] s_stamps = [];
    private static int s_signalAt = -1;
    private static TaskCompletionSource s_reached = new();

    public static async Task<LongHistoryResult> RunAsync(BenchmarkOptions options, BenchStore store, int steps, int coldSteps, TimeSpan timeout)
    {
        var taskHub = $"w5_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub);
        using var cts = new CancellationTokenSource(timeout);
        var errors = new List<string>();
        var warmHost = BenchHost.Build(options, location, Register);
        string id;
        try
        {
            await warmHost.StartAsync(cts.Token).ConfigureAwait(false);
            var client = warmHost.Services.GetRequiredService<DurableTaskClient>();

            // The untimed warm-up: the same orchestration, short, with no cold tail.
            s_signalAt = -1;
            var warmUp = await client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, new[] { WarmUpSteps, 0, -WarmUpSteps }, cts.Token).ConfigureAwait(false);
            var warmUpResult = await client.WaitForInstanceCompletionAsync(warmUp, getInputsAndOutputs: true, cts.Token).ConfigureAwait(false);
            Check(errors, warmUp, warmUpResult, -WarmUpSteps, WarmUpSteps);
            if (errors.Count > 0)
            {
                return new LongHistoryResult(steps, coldSteps, [], [], 0, errors);
            }

            // The timed instance: every step stamps; the last warm step means the instance is about to wait for the event.
            s_stamps = new long[steps + coldSteps];
            s_reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            s_signalAt = steps - 1;
            id = await client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, new[] { steps, coldSteps, 0 }, cts.Token).ConfigureAwait(false);

            // The activity of the last warm step has started; the step that follows it commits the wait for the event
            // (or, if this host stops first, the cold host runs that step).
            await s_reached.Task.WaitAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            errors.Add($"W5 did not reach step {steps:N0} within {timeout.TotalSeconds:0} s");
            return new LongHistoryResult(steps, coldSteps, [], [], 0, errors);
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(warmHost).ConfigureAwait(false);
        }

        // The cold host: the cache off, so each of its steps reads the history and replays it from the first event.
        var coldHost = BenchHost.Build(options, location, Register, o => o.CacheCapacity = 0);
        var historyEvents = 0;
        try
        {
            await coldHost.StartAsync(cts.Token).ConfigureAwait(false);
            var client = coldHost.Services.GetRequiredService<DurableTaskClient>();

            // An untimed warm-up of the replay path, which the cached warm-up never ran, then a wait until the JIT has
            // compiled the hot methods again with optimizations (tiered compilation does that in the background, and
            // only once no new method has been compiled for a while). Without both, the cold steps time unoptimized
            // code, as a process's first replays after its start do: measured in memory, 46-51 ms a cold step at
            // 30,000 events against 24-30 ms with the JIT settled.
            s_signalAt = -1;
            var warmUp = await client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, new[] { WarmUpSteps, 0, -WarmUpSteps }, cts.Token).ConfigureAwait(false);
            Check(errors, warmUp, await client.WaitForInstanceCompletionAsync(warmUp, getInputsAndOutputs: true, cts.Token).ConfigureAwait(false), -WarmUpSteps, WarmUpSteps);
            await Jit.SettledAsync(cts.Token).ConfigureAwait(false);
            await client.RaiseEventAsync(id, ColdEvent, cancellation: cts.Token).ConfigureAwait(false);
            var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token).ConfigureAwait(false);
            Check(errors, id, result, 0, steps + coldSteps);
            historyEvents = (await StoreOf(coldHost, location).GetHistoryAsync(id, cts.Token).ConfigureAwait(false)).Count;
        }
        catch (OperationCanceledException)
        {
            errors.Add($"W5's cold steps did not finish within {timeout.TotalSeconds:0} s");
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(coldHost).ConfigureAwait(false);
        }

        if (errors.Count > 0)
        {
            return new LongHistoryResult(steps, coldSteps, [], [], historyEvents, errors);
        }

        // Gap i is step i's start minus step i-1's: the time one step took to follow the one before it.
        var gaps = new double[steps + coldSteps];
        for (var i = 1; i < gaps.Length; i++)
        {
            gaps[i] = Stopwatch.GetElapsedTime(s_stamps[i - 1], s_stamps[i]).TotalMilliseconds;
        }

        // The cold tail's first gap spans the host change and the event; the gaps after it are cold steps alone.
        return new LongHistoryResult(steps, coldSteps, gaps[..steps], gaps[(steps + 1)..], historyEvents, errors);
    }

    private static void Register(DurableTaskRegistry r) => r
        .AddOrchestratorFunc<int[], long>(Orchestrator, async (context, input) =>
        {
            // Steps are numbered from input[2]: 0 for the timed instance, below zero for the warm-ups (which leave no stamps).
            var (steps, coldSteps, first) = (input![0], input[1], input[2]);
            var sum = 0L;
            for (var i = first; i < first + steps; i++)
            {
                sum += await context.CallActivityAsync<int>(Activity, i);
            }

            if (coldSteps == 0)
            {
                return sum;
            }

            await context.WaitForExternalEvent<object?>(ColdEvent);
            for (var i = first + steps; i < first + steps + coldSteps; i++)
            {
                sum += await context.CallActivityAsync<int>(Activity, i);
            }

            return sum;
        })
        .AddActivityFunc<int, int>(Activity, (_, step) =>
        {
            if (step >= 0)
            {
                s_stamps[step] = Stopwatch.GetTimestamp();
            }

            if (step == s_signalAt)
            {
                s_reached.TrySetResult();
            }

            return step;
        });

    private static void Check(List<string> errors, string id, OrchestrationMetadata? result, int first, int steps)
    {
        var expected = Enumerable.Range(first, steps).Sum(i => (long)i);
        if (Outputs.Wrong($"instance {id}", result, expected) is { } wrong)
        {
            errors.Add($"{wrong} (the sum of its {steps:N0} steps)");
        }
    }

    private static Core.Storage.IPerdureStore StoreOf(IHost host, StoreLocation location) =>
        host.Services.GetRequiredService<IOptionsMonitor<Engine.PerdureWorkerOptions>>().Get(Options.DefaultName)
            .StoreFactory!(host.Services, location.TaskHub);
}

/// <summary>
/// W5's figures: the gap before each warm step (index = step number; step 0 has none), the gaps of the cold steps after
/// the first, and the length of the history at the end.
/// </summary>
internal sealed record LongHistoryResult(int Steps, int ColdSteps, double[] WarmGaps, double[] ColdGaps, int HistoryEvents, List<string> Errors)
{
    private static readonly int[] s_lengths = [100, 1_000, 10_000];

    /// <summary>The median gap of the (up to) 100 steps that end at step <paramref name="length"/>.</summary>
    public double MedianAt(int length)
    {
        var window = WarmGaps[Math.Max(1, length - 100)..length].Order().ToArray();
        return window[window.Length / 2];
    }

    /// <summary>The history lengths, in steps, the per-step time is read at: 100, 1,000 and 10,000 as far as the run goes.</summary>
    public IEnumerable<int> Lengths => s_lengths.Where(l => l <= Steps);

    public double ColdMedian => ColdGaps.Order().ToArray()[ColdGaps.Length / 2];

    public object Summary() => new
    {
        Steps,
        HistoryEvents,
        PerStepMilliseconds = Lengths.ToDictionary(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture), MedianAt),
        ColdSteps = ColdGaps.Length,
        ColdStepMilliseconds = ColdGaps.Length == 0 ? (double?)null : ColdMedian,
        ColdStepMillisecondsEach = ColdGaps,
    };
}
