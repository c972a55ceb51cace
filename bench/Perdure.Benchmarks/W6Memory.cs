using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Perdure.Benchmarks;

/// <summary>
/// W6 of DESIGN.md section 7, memory: <c>instances</c> instances start and each waits for an external event, so they
/// sit idle in the worker's cache. The managed heap (after full, compacting collections) is read before they start and
/// once all of them run; the difference over the count is the heap an idle instance costs this process. The pass runs
/// twice on fresh stores, with the cache on (the default capacity, 10,000) and with it off: the first is what a user pays,
/// the difference between the two is the cache's share. Every instance then gets its event and must return it plus one.
/// </summary>
internal static class W6Memory
{
    private const string Orchestrator = "W6Idle";
    private const string EventName = "wake";
    private const int WarmUpInstances = 50;

    public static async Task<MemoryResult> RunAsync(BenchmarkOptions options, BenchStore store, int instances, TimeSpan timeout)
    {
        var errors = new List<string>();
        var cached = await PassAsync(options, store, instances, cacheOn: true, timeout, errors).ConfigureAwait(false);
        var uncached = errors.Count > 0 ? 0 : await PassAsync(options, store, instances, cacheOn: false, timeout, errors).ConfigureAwait(false);
        return new MemoryResult(instances, cached, uncached, errors);
    }

    /// <summary>One pass on a fresh store; returns the managed heap in bytes per idle instance.</summary>
    private static async Task<double> PassAsync(BenchmarkOptions options, BenchStore store, int instances, bool cacheOn, TimeSpan timeout, List<string> errors)
    {
        var taskHub = $"w6_{Guid.NewGuid().ToString("N")[..8]}";
        using var location = store.NewLocation(taskHub);
        var host = BenchHost.Build(
            options,
            location,
            r => r.AddOrchestratorFunc<object?, int>(Orchestrator, async (context, _) => await context.WaitForExternalEvent<int>(EventName) + 1),
            cacheOn ? null : o => o.CacheCapacity = 0);
        var pass = cacheOn ? "cache on" : "cache off";
        try
        {
            await host.StartAsync().ConfigureAwait(false);
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            using var cts = new CancellationTokenSource(timeout);
            try
            {
                // Warm up the code paths (and the store's own caches) so that the heap read before holds them too.
                await RunToCompletionAsync(client, await StartAsync(client, WarmUpInstances, cts.Token).ConfigureAwait(false), 0, errors, cts.Token)
                    .ConfigureAwait(false);
                var before = Heap();
                var ids = await StartAsync(client, instances, cts.Token).ConfigureAwait(false);
                var after = Heap();
                GC.KeepAlive(ids);
                await RunToCompletionAsync(client, ids, 1_000, errors, cts.Token).ConfigureAwait(false);
                return (after - before) / (double)instances;
            }
            catch (OperationCanceledException)
            {
                errors.Add($"W6 ({pass}) did not finish within {timeout.TotalSeconds:0} s");
                return 0;
            }
        }
        finally
        {
            await BenchHost.StopAndDisposeAsync(host).ConfigureAwait(false);
        }
    }

    /// <summary>Starts the instances and returns once each runs, that is, once its first step has committed the wait.</summary>
    private static async Task<string[]> StartAsync(DurableTaskClient client, int instances, CancellationToken cancellationToken)
    {
        var ids = await Task.WhenAll(Enumerable.Range(0, instances)
            .Select(_ => client.ScheduleNewOrchestrationInstanceAsync(Orchestrator, cancellationToken))).ConfigureAwait(false);
        await Task.WhenAll(ids.Select(id => client.WaitForInstanceStartAsync(id, cancellationToken))).ConfigureAwait(false);
        return ids;
    }

    private static async Task RunToCompletionAsync(DurableTaskClient client, string[] ids, int offset, List<string> errors, CancellationToken cancellationToken)
    {
        var wrong = new ConcurrentQueue<string>();
        await Task.WhenAll(ids.Select(async (id, i) =>
        {
            await client.RaiseEventAsync(id, EventName, offset + i, cancellationToken).ConfigureAwait(false);
            var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cancellationToken).ConfigureAwait(false);
            if (Outputs.Wrong($"instance {id}", result, offset + i + 1) is { } error)
            {
                wrong.Enqueue(error);
            }
        })).ConfigureAwait(false);
        errors.AddRange(wrong);
    }

    /// <summary>The managed heap after two full, blocking, compacting collections.</summary>
    private static long Heap()
    {
        for (var i = 0; i < 2; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

/// <summary>W6's figures: managed heap bytes per idle instance with the cache on and off.</summary>
internal sealed record MemoryResult(int Instances, double BytesPerInstanceCached, double BytesPerInstanceUncached, List<string> Errors)
{
    /// <summary>What the cache adds per instance: the difference between the two passes.</summary>
    public double CacheBytesPerInstance => BytesPerInstanceCached - BytesPerInstanceUncached;

    public object Summary() => new
    {
        Instances,
        KilobytesPerInstanceCacheOn = BytesPerInstanceCached / 1024,
        KilobytesPerInstanceCacheOff = BytesPerInstanceUncached / 1024,
        CacheKilobytesPerInstance = CacheBytesPerInstance / 1024,
    };
}
