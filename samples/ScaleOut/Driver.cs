using System.Diagnostics;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Perdure.Storage.Postgres;

namespace ScaleOut;

/// <summary>
/// The parent: starts the workers, drives the instances through a client (it runs no worker itself), checks every
/// output, prints who ran what and the throughput, and stops the workers.
/// </summary>
public static class Driver
{
    /// <summary>Orchestrator turns of one pipeline: its start, after each chained activity, and after the fan-in.</summary>
    private const int TurnsPerInstance = Pipeline.ChainLength + 2;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs the whole scenario; returns the exit code.</summary>
    public static async Task<int> RunAsync(ScaleOutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        NpgsqlConnectionStringBuilder database;
        try
        {
            database = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        }
        catch (ArgumentException ex)
        {
            await Console.Error.WriteLineAsync($"The connection string is not a valid Npgsql connection string: {ex.Message}");
            await Console.Error.WriteLineAsync(ScaleOutOptions.Usage);
            return 2;
        }

        // Every process has its own pool; Npgsql's default of 100 connections each could exceed what the server allows
        // (100 by default) with a few workers. A store needs only its write lanes, its LISTEN connection and its reads.
        if (database.MaxPoolSize == 100)
        {
            database.MaxPoolSize = 20;
        }

        var connectionString = database.ConnectionString;
        var taskHub = $"scaleout_{DateTime.UtcNow:yyyyMMdd_HHmmss}_{Guid.NewGuid().ToString("N")[..6]}";
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDurableTaskClient(b => b.UsePostgres(connectionString, o => o.TaskHub = taskHub));
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<DurableTaskClient>();

        Console.WriteLine(
            $"ScaleOut: {options.Workers} worker process(es), {options.Instances} instances of {nameof(Pipeline)} " +
            $"({Pipeline.ChainLength} activities in sequence, then a fan-out of {Pipeline.FanOutWidth}), " +
            $"database '{database.Database}', schema '{PostgresStoreOptions.DefaultSchema}', task hub '{taskHub}'.");

        // The client's first request opens its store, which creates or migrates the schema once, before the workers start.
        try
        {
            await client.GetInstanceAsync("scaleout-none");
        }
        catch (PostgresDatabaseException ex)
        {
            await Console.Error.WriteLineAsync($"ScaleOut cannot use the database: {ex.Message}");
            await host.StopAsync();
            return 1;
        }

        var workers = new List<WorkerProcess>();
        var succeeded = false;
        try
        {
            var starting = Stopwatch.StartNew();
            for (var i = 1; i <= options.Workers; i++)
            {
                workers.Add(WorkerProcess.Start($"worker-{i}", taskHub, connectionString));
            }

            using (var startTimeout = new CancellationTokenSource(StartTimeout))
            {
                await Task.WhenAll(workers.Select(w => w.WaitUntilReadyAsync(startTimeout.Token)));
            }

            Console.WriteLine($"Workers ready in {starting.Elapsed.TotalSeconds:0.0} s: " +
                string.Join(", ", workers.Select(w => $"{w.Name} (pid {w.ProcessId})")));

            var clock = Stopwatch.StartNew();
            var ids = await Task.WhenAll(Enumerable.Range(0, options.Instances).Select(n =>
                client.ScheduleNewOrchestrationInstanceAsync(nameof(Pipeline), n, new StartOrchestrationOptions($"scaleout-{n:D5}"))));
            OrchestrationMetadata[] results;
            using (var runTimeout = new CancellationTokenSource(RunTimeout))
            {
                results = await Task.WhenAll(ids.Select(id => client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, runTimeout.Token)));
            }

            var elapsed = clock.Elapsed;
            var (wrong, byWorker) = Check(results);

            var reports = new List<(WorkerProcess Worker, long Activities, long Turns)>();
            using (var stopTimeout = new CancellationTokenSource(StartTimeout))
            {
                foreach (var (worker, stats) in workers.Zip(await Task.WhenAll(workers.Select(w => w.StopAsync(stopTimeout.Token)))))
                {
                    reports.Add((worker, stats.Activities, stats.Turns));
                }
            }

            Print(options, reports, byWorker, elapsed);
            Console.WriteLine(wrong == 0
                ? $"All {results.Length} instances completed with the right output; the workers stopped gracefully."
                : $"{wrong} of {results.Length} instances failed or returned a wrong output.");
            succeeded = wrong == 0;
            return succeeded ? 0 : 1;
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException or PostgresDatabaseException)
        {
            await Console.Error.WriteLineAsync($"ScaleOut failed: {ex.Message}");
            return 1;
        }
        finally
        {
            foreach (var worker in workers)
            {
                worker.Dispose();
            }

            await host.StopAsync();
            if (succeeded)
            {
                // The run's task hub is its own; its rows go with it. A failed run leaves them for inspection.
                await using var store = new PostgresStore(taskHub, new PostgresStoreOptions { ConnectionString = connectionString });
                await store.DeleteTaskHubAsync(CancellationToken.None);
            }
            else
            {
                await Console.Error.WriteLineAsync($"Task hub '{taskHub}' is left in the database for inspection.");
            }
        }
    }

    /// <summary>Checks every output against the value computed here; counts activities per worker from the outputs.</summary>
    private static (int Wrong, Dictionary<string, long> ActivitiesByWorker) Check(OrchestrationMetadata[] results)
    {
        var wrong = 0;
        var byWorker = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var n = 0; n < results.Length; n++)
        {
            var result = results[n];
            var output = result.RuntimeStatus == OrchestrationRuntimeStatus.Completed ? result.ReadOutputAs<PipelineResult>() : null;
            var (chain, sum) = Pipeline.Expected(n);
            if (output is null || output.Chain != chain || output.SumOfSquares != sum || output.ActivityWorkers.Count != Pipeline.ActivitiesPerInstance)
            {
                if (wrong++ < 5)
                {
                    Console.Error.WriteLine(
                        $"{result.InstanceId}: {result.RuntimeStatus} {result.FailureDetails?.ErrorMessage} output {result.SerializedOutput}, " +
                        $"expected chain {chain} and sum of squares {sum}");
                }

                continue;
            }

            foreach (var worker in output.ActivityWorkers)
            {
                byWorker[worker] = byWorker.GetValueOrDefault(worker) + 1;
            }
        }

        return (wrong, byWorker);
    }

    private static void Print(
        ScaleOutOptions options,
        List<(WorkerProcess Worker, long Activities, long Turns)> reports,
        Dictionary<string, long> byWorker,
        TimeSpan elapsed)
    {
        var activities = (long)options.Instances * Pipeline.ActivitiesPerInstance;
        Console.WriteLine();
        Console.WriteLine($"  {"worker",-26} {"activities in outputs",21} {"activities run",14} {"orchestrator turns",18}");
        foreach (var (worker, ran, turns) in reports)
        {
            var name = $"{worker.Name} (pid {worker.ProcessId})";
            Console.WriteLine($"  {name,-26} {byWorker.GetValueOrDefault(name),21} {ran,14} {turns,18}");
        }

        Console.WriteLine($"  {"total",-26} {byWorker.Values.Sum(),21} {reports.Sum(r => r.Activities),14} {reports.Sum(r => r.Turns),18}");
        Console.WriteLine(
            $"  (expected {activities} activities and {(long)options.Instances * TurnsPerInstance} turns; runs and turns exceed " +
            "that only if a step was run again, e.g. after a lease expired)");
        Console.WriteLine();
        Console.WriteLine(
            $"{options.Instances} instances in {elapsed.TotalSeconds:0.00} s: {activities / elapsed.TotalSeconds:0} activity steps/s, " +
            $"{options.Instances / elapsed.TotalSeconds:0.0} instances/s (from the first start to the last completion).");
    }
}
