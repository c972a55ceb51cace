using System.Globalization;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ScaleOut;

/// <summary>
/// A worker process: a Durable Task worker on the parent's database and task hub. It talks to the parent through its
/// standard streams: it writes "ready" once it can take work, runs until its standard input closes (the parent's signal
/// to stop), stops gracefully, and writes "stats &lt;activities&gt; &lt;turns&gt;". Its logs go to standard error.
/// </summary>
public static class WorkerMode
{
    /// <summary>Runs the worker until the parent closes its standard input; returns the exit code.</summary>
    public static async Task<int> RunAsync(ScaleOutOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        WorkerStats.Name = $"{options.WorkerName} (pid {Environment.ProcessId})";
        var taskHub = options.TaskHub!;

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(r =>
            {
                r.AddOrchestrator<Pipeline>();
                r.AddActivity<Step>();
                r.AddActivity<Square>();
            });
            b.UsePostgres(options.ConnectionString, o =>
            {
                o.TaskHub = taskHub;
                o.WorkerId = WorkerStats.Name;
            });
        });

        // A client on the same database and task hub shares the worker's store; it is used once, below.
        builder.Services.AddDurableTaskClient(b => b.UsePostgres(options.ConnectionString, o => o.TaskHub = taskHub));

        using var host = builder.Build();
        await host.StartAsync();

        // The first request opens the store (connects, checks the schema, starts listening for NOTIFY). Waiting for it
        // before saying "ready" lets the parent start the clock when every worker can take work.
        var client = host.Services.GetRequiredService<DurableTaskClient>();
        await client.GetInstanceAsync("scaleout-none");
        Console.WriteLine("ready");

        // The parent sends nothing: the end of input is its signal to stop (and comes too if the parent dies). Ctrl+C,
        // which reaches every process of the terminal, stops the worker as well.
        var stopping = host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping;
        await Task.WhenAny(Task.Run(Console.In.ReadToEnd, CancellationToken.None), Task.Delay(Timeout.Infinite, stopping));

        await host.StopAsync();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"stats {WorkerStats.Activities} {WorkerStats.Turns}"));
        return 0;
    }
}
