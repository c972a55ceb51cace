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
    /// Runs W1 once on a fresh host, task hub and (SQLite) database file or (PostgreSQL) schema; the time covers scheduling
    /// all instances to the last completion. The file or schema is deleted afterwards.
    /// </summary>
    public static async Task<RunResult> RunAsync(BenchmarkOptions options, BenchStore store, int instances, TimeSpan timeout, bool statements = false)
    {
        var taskHub = $"w1_{Interlocked.Increment(ref s_runCounter)}_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub);
        var host = BenchHost.Build(options, location, Register);
        using var commands = store.IsPostgres ? new NpgsqlCommandCounter() : null;
        ServerCounters? before = null;
        RunResult result;
        try
        {
            await host.StartAsync().ConfigureAwait(false);
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            // The store creates its schema on first use; that is not part of the measured run.
            _ = await client.GetInstanceAsync("w1-not-an-instance", CancellationToken.None).ConfigureAwait(false);
            before = store.Postgres?.ReadCounters();
            if (statements)
            {
                store.Postgres!.ResetStatements();
            }

            commands?.Start();
            result = await ScheduleAndVerifyAsync(client, taskHub, instances, timeout).ConfigureAwait(false);
            commands?.Stop();
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }

        // Read after the store closed its connections: a server backend reports its counts when its session ends.
        return result with
        {
            FileBytes = location.FileBytes(),
            Server = before is null ? null : store.Postgres!.ReadCountersSettled().Minus(before),
            Commands = commands?.Count,
            Statements = statements ? store.Postgres!.ReadStatements(15) : null,
            TableReads = store.Postgres?.TableReads(location.Schema!, instances * StepsPerInstance),
        };
    }

    /// <summary>
    /// Schedules <paramref name="instances"/> instances at once through <paramref name="client"/> (a worker on its store
    /// must run them), waits for all of them and checks every output; the time covers the first schedule to the last completion.
    /// </summary>
    public static async Task<RunResult> ScheduleAndVerifyAsync(DurableTaskClient client, string taskHub, int instances, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var cpu = Machine.CpuTimes();
        var ownCpu = Process.GetCurrentProcess().TotalProcessorTime;
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
        var cpuAfter = Machine.CpuTimes();
        return new RunResult(taskHub, instances, stopwatch.Elapsed, 0, Verify(ids, results))
        {
            CpuBusy = Machine.BusyFraction(cpu, cpuAfter),
            MachineCpuSeconds = Machine.BusySeconds(cpu, cpuAfter),
            ProcessCpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - ownCpu).TotalSeconds,
        };
    }

    public static void Register(DurableTaskRegistry r) => r
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
            if (Outputs.Wrong($"instance {ids[i]} (#{i})", results[i], Expected(i)) is { } wrong)
            {
                errors.Add(wrong);
            }
        }

        return errors;
    }
}

/// <summary>One timed run of W1.</summary>
/// <param name="TaskHub">The task hub it ran on.</param>
/// <param name="Instances">How many instances it ran.</param>
/// <param name="Elapsed">From the first schedule to the last completion.</param>
/// <param name="FileBytes">Size of the SQLite database and its WAL, or of the PostgreSQL schema, at the end (0 in memory).</param>
/// <param name="Errors">Wrong outputs, failed instances or a timeout; empty when every output was right.</param>
internal sealed record RunResult(string TaskHub, int Instances, TimeSpan Elapsed, long FileBytes, IReadOnlyList<string> Errors)
{
    /// <summary>What the PostgreSQL server counted during the run (every session of the database, so also the client's reads).</summary>
    public ServerCounters? Server { get; init; }

    /// <summary>Commands (and batches) this process sent to PostgreSQL during the run, COMMITs not included.</summary>
    public long? Commands { get; init; }

    /// <summary>The share of the machine's CPU time (all cores, every process) that was busy during the timed run.</summary>
    public double? CpuBusy { get; init; }

    /// <summary>Busy CPU seconds of the whole machine (all cores, every process) during the timed run.</summary>
    public double? MachineCpuSeconds { get; init; }

    /// <summary>CPU seconds this process (the client, and the worker when it runs here) used during the timed run.</summary>
    public double ProcessCpuSeconds { get; init; }

    /// <summary>Scale-out: CPU seconds the worker processes used during the timed run.</summary>
    public double? WorkerCpuSeconds { get; init; }

    /// <summary>The machine's load averages (1, 5, 15 min) when the run started.</summary>
    public string? Load { get; init; }

    /// <summary>PostgreSQL: rows read per step from each table of the run's schema (sequential scans and index fetches).</summary>
    public string? TableReads { get; init; }

    /// <summary>PostgreSQL's per-statement figures of the run (pg_stat_statements), when the server has them.</summary>
    public IReadOnlyList<StatementFigures>? Statements { get; init; }

    /// <summary>The steps <see cref="Server"/> covers: this run's, plus a warm-up's when it ran on the same store.</summary>
    public int CountedSteps { get; init; } = Instances * W1ShortChains.StepsPerInstance;

    public double StepsPerSecond => Instances * W1ShortChains.StepsPerInstance / Elapsed.TotalSeconds;

    public double InstancesPerSecond => Instances / Elapsed.TotalSeconds;
}
