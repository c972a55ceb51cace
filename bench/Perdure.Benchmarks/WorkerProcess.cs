using System.Diagnostics;
using System.Globalization;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Perdure.Benchmarks;

/// <summary>
/// The benchmark in worker mode, for the scale-out runs: one Perdure worker (no client) on the PostgreSQL schema and task
/// hub its parent names, with W1's orchestrator and activity. It prints <see cref="Ready"/> once its host has started,
/// answers each <see cref="Settle"/> line with <see cref="Settled"/> once its JIT has settled (see <see cref="Jit"/>), and
/// runs until its parent writes <see cref="Stop"/> (or closes its standard input), then stops gracefully and exits.
/// The connection string comes in an environment variable, so its password is not on a command line.
/// </summary>
internal static class WorkerProcess
{
    public const string Flag = "--worker-process";
    public const string Ready = "perdure-bench-worker: ready";
    public const string Stop = "stop";
    public const string Settle = "settle";
    public const string Settled = "perdure-bench-worker: settled";
    public const string ConnectionVariable = "PERDURE_BENCH_WORKER_POSTGRES";

    /// <summary>Starts a worker process; its standard input and output are redirected for the parent.</summary>
    public static Process Start(string connectionString, string schema, string taskHub, int concurrency, int index)
    {
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? throw new InvalidOperationException("The benchmark's own executable is unknown."),
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        // Run as "dotnet Perdure.Benchmarks.dll" the process path is dotnet itself, which needs the assembly first.
        if (Path.GetFileNameWithoutExtension(start.FileName) == "dotnet")
        {
            start.ArgumentList.Add(typeof(WorkerProcess).Assembly.Location);
        }

        foreach (var arg in new[] { Flag, schema, taskHub, concurrency.ToString(CultureInfo.InvariantCulture), index.ToString(CultureInfo.InvariantCulture) })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[ConnectionVariable] = connectionString;
        return Process.Start(start) ?? throw new InvalidOperationException("The worker process did not start.");
    }

    /// <summary>The worker mode's main: arguments schema, task hub, concurrency, index.</summary>
    public static async Task<int> RunAsync(string[] args)
    {
        var connectionString = Environment.GetEnvironmentVariable(ConnectionVariable);
        if (args.Length != 5 || string.IsNullOrEmpty(connectionString))
        {
            await Console.Error.WriteLineAsync($"{Flag} is started by the benchmark itself (with {ConnectionVariable} set): {Flag} <schema> <task hub> <concurrency> <index>")
                .ConfigureAwait(false);
            return 2;
        }

        var (schema, taskHub, concurrency, index) = (args[1], args[2], int.Parse(args[3], CultureInfo.InvariantCulture), args[4]);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(W1ShortChains.Register);
            b.UsePostgres(
                connectionString,
                o =>
                {
                    o.TaskHub = taskHub;
                    o.WorkerId = $"bench-worker-{index}-{Environment.ProcessId}";
                    o.Concurrency.MaximumConcurrentOrchestrationWorkItems = concurrency;
                    o.Concurrency.MaximumConcurrentActivityWorkItems = concurrency;
                },
                o => o.Schema = schema);
        });
        var host = builder.Build();
        await host.StartAsync().ConfigureAwait(false);
        Console.WriteLine(Ready);
        Console.Out.Flush();
        try
        {
            while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line && line.Trim() != Stop)
            {
                if (line.Trim() == Settle)
                {
                    await Jit.SettledAsync().ConfigureAwait(false);
                    Console.WriteLine(Settled);
                    Console.Out.Flush();
                }
            }
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }

        return 0;
    }
}
