using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Perdure.Benchmarks;

/// <summary>One process, one host: a worker and a client on the same store, as the README's example does.</summary>
internal static class BenchHost
{
    public static IHost Build(
        BenchmarkOptions options, StoreLocation location, Action<DurableTaskRegistry> tasks, Action<Engine.PerdureWorkerOptions>? engine = null)
    {
        // The content root is the benchmark's own folder, not the working directory: the host watches its content root
        // (recursively) for configuration changes, and every write to a database file under it would cost an inotify
        // event on the writer and a wake-up of the watcher thread (measured: about 20 % of W1 on SQLite).
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(tasks);
            location.ConfigureWorker(b, options.Concurrency, engine);
        });
        builder.Services.AddDurableTaskClient(location.ConfigureClient);
        return builder.Build();
    }

    /// <summary>Stops the host and disposes it asynchronously, which closes the store (and its database connections).</summary>
    public static async Task StopAndDisposeAsync(IHost host)
    {
        try
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await host.StopAsync(stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                host.Dispose();
            }
        }
    }
}
