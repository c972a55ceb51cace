using System.Diagnostics;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Perdure.Benchmarks;

/// <summary>
/// W1 with several worker processes on one PostgreSQL schema (DESIGN.md section 7: throughput grows with worker processes
/// until the database is the limit). The benchmark process is only the client: it creates the run's schema, starts the
/// worker processes (itself in <see cref="WorkerProcess"/> mode), waits until each has started, runs untimed warm-ups
/// (each followed by a wait until the JIT has settled in every process, as the in-process W1 does), schedules the
/// instances, checks every output, then stops the workers gracefully (killing any that does not stop within 30 s) and
/// drops the schema.
/// </summary>
internal static class ScaleOut
{
    private static readonly TimeSpan s_readyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_stopTimeout = TimeSpan.FromSeconds(30);

    public static async Task<ScaleOutRun> RunAsync(
        BenchmarkOptions options, BenchStore store, int workers, int instances, int warmUp, int warmUpRounds, TimeSpan timeout)
    {
        var server = store.Postgres ?? throw new InvalidOperationException("Scale-out runs need --store postgres.");
        var taskHub = $"w1x{workers}_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub, PostgresServer.ClientPoolSize);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDurableTaskClient(location.ConfigureClient);
        var host = builder.Build();
        var processes = new List<Process>();
        var errors = new List<string>();
        RunResult? run = null;
        ServerCounters? before = null;
        var startup = TimeSpan.Zero;
        try
        {
            await host.StartAsync().ConfigureAwait(false);
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            // The client's first call creates the run's schema, so the workers find it ready instead of racing to create it.
            _ = await client.GetInstanceAsync("w1-not-an-instance", CancellationToken.None).ConfigureAwait(false);

            var starting = Stopwatch.StartNew();
            var workerConnection = server.WithPool(PostgresServer.WorkerPoolSize(workers));
            for (var k = 1; k <= workers; k++)
            {
                processes.Add(WorkerProcess.Start(workerConnection, location.Schema!, taskHub, options.Concurrency, k));
            }

            var ready = await Task.WhenAll(processes.Select((p, k) => WaitUntilReadyAsync(p, k + 1))).ConfigureAwait(false);
            errors.AddRange(ready.OfType<string>());
            startup = starting.Elapsed;
            if (errors.Count > 0)
            {
                return new ScaleOutRun(workers, null, startup, errors);
            }

            // The counters cover warm-up and timed run (a backend reports its counts only at times), so they are divided by both.
            before = server.ReadCounters();
            for (var round = 1; round <= warmUpRounds && errors.Count == 0; round++)
            {
                var warm = await W1ShortChains.ScheduleAndVerifyAsync(client, taskHub, warmUp, timeout).ConfigureAwait(false);
                errors.AddRange(warm.Errors.Select(e => $"warm-up {round}: {e}"));
                errors.AddRange(await SettleAllAsync(processes).ConfigureAwait(false));
            }

            if (errors.Count == 0)
            {
                GC.Collect();
                var workerCpu = WorkerCpu(processes);
                run = await W1ShortChains.ScheduleAndVerifyAsync(client, taskHub, instances, timeout).ConfigureAwait(false);
                run = run with { WorkerCpuSeconds = (WorkerCpu(processes) - workerCpu).TotalSeconds };
                errors.AddRange(run.Errors);
            }
        }
        catch (Exception ex) when (ex is Npgsql.NpgsqlException or InvalidOperationException or IOException or System.ComponentModel.Win32Exception)
        {
            errors.Add($"{ex.GetType().Name}: {ex.Message}");
            run = null;
        }
        finally
        {
            errors.AddRange(await StopAllAsync(processes).ConfigureAwait(false));
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }

        if (run is not null && before is not null)
        {
            run = run with
            {
                FileBytes = location.FileBytes(),
                Server = server.ReadCountersSettled().Minus(before),
                CountedSteps = ((warmUp * warmUpRounds) + instances) * W1ShortChains.StepsPerInstance,
                TableReads = server.TableReads(location.Schema!, ((warmUp * warmUpRounds) + instances) * W1ShortChains.StepsPerInstance),
            };
        }

        return new ScaleOutRun(workers, run, startup, errors);
    }

    /// <summary>Null once the worker printed its ready line; otherwise why not.</summary>
    private static async Task<string?> WaitUntilReadyAsync(Process process, int index)
    {
        using var cts = new CancellationTokenSource(s_readyTimeout);
        try
        {
            while (await process.StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false) is { } line)
            {
                if (line == WorkerProcess.Ready)
                {
                    return null;
                }

                Console.Error.WriteLine($"worker {index}: {line}");
            }

            await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
            return $"worker process {index} exited with code {process.ExitCode} before it was ready (its messages are above)";
        }
        catch (OperationCanceledException)
        {
            return $"worker process {index} was not ready within {s_readyTimeout.TotalSeconds:0} s";
        }
    }

    /// <summary>CPU time the worker processes used so far.</summary>
    private static TimeSpan WorkerCpu(List<Process> processes)
    {
        var total = TimeSpan.Zero;
        foreach (var process in processes)
        {
            process.Refresh();
            total += process.TotalProcessorTime;
        }

        return total;
    }

    /// <summary>Waits until the JIT has settled in this process and in every worker (each answers <see cref="WorkerProcess.Settle"/>).</summary>
    private static async Task<List<string>> SettleAllAsync(List<Process> processes)
    {
        var errors = new List<string>();
        foreach (var process in processes)
        {
            await process.StandardInput.WriteLineAsync(WorkerProcess.Settle).ConfigureAwait(false);
            await process.StandardInput.FlushAsync().ConfigureAwait(false);
        }

        await Jit.SettledAsync().ConfigureAwait(false);
        for (var k = 0; k < processes.Count; k++)
        {
            using var cts = new CancellationTokenSource(s_readyTimeout);
            try
            {
                string? line;
                while ((line = await processes[k].StandardOutput.ReadLineAsync(cts.Token).ConfigureAwait(false)) is not null && line != WorkerProcess.Settled)
                {
                    Console.Error.WriteLine($"worker {k + 1}: {line}");
                }

                if (line is null)
                {
                    errors.Add($"worker process {k + 1} exited while its JIT settled");
                }
            }
            catch (OperationCanceledException)
            {
                errors.Add($"worker process {k + 1} did not settle within {s_readyTimeout.TotalSeconds:0} s");
            }
        }

        return errors;
    }

    /// <summary>Asks every worker to stop (a line on its standard input), waits, and kills those still running after 30 s.</summary>
    private static async Task<List<string>> StopAllAsync(List<Process> processes)
    {
        var errors = new List<string>();
        foreach (var process in processes)
        {
            try
            {
                await process.StandardInput.WriteLineAsync(WorkerProcess.Stop).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            catch (IOException)
            {
                // It exited already; its exit code says how.
            }
        }

        using var cts = new CancellationTokenSource(s_stopTimeout);
        for (var k = 0; k < processes.Count; k++)
        {
            var process = processes[k];
            try
            {
                await process.WaitForExitAsync(cts.Token).ConfigureAwait(false);
                if (process.ExitCode != 0)
                {
                    errors.Add($"worker process {k + 1} exited with code {process.ExitCode}");
                }
            }
            catch (OperationCanceledException)
            {
                errors.Add($"worker process {k + 1} did not stop within {s_stopTimeout.TotalSeconds:0} s and was killed");
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                process.Dispose();
            }
        }

        return errors;
    }
}

/// <summary>One scale-out run: W1 with <paramref name="Workers"/> worker processes.</summary>
/// <param name="Workers">How many worker processes ran it.</param>
/// <param name="Run">The timed run, or null when the workers did not start or the warm-up failed.</param>
/// <param name="Startup">From starting the processes until all of them were ready.</param>
/// <param name="Errors">Wrong outputs, workers that failed or had to be killed; empty when all was right.</param>
internal sealed record ScaleOutRun(int Workers, RunResult? Run, TimeSpan Startup, IReadOnlyList<string> Errors);
