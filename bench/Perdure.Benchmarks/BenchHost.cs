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
    public static IHost Build(BenchmarkOptions options, StoreLocation location, Action<DurableTaskRegistry> tasks)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(tasks);
            location.ConfigureWorker(b, options.Concurrency);
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
