using System.Reflection;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.InMemory;
using Perdure.Core.Storage;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

/// <summary>A store may hand the history over with the claim (OrchestrationWorkItem.History); the engine then replays from it.</summary>
public sealed class ClaimedHistoryTests
{
    [Fact]
    public async Task A_worker_without_a_cached_runtime_replays_from_the_history_the_claim_carried_and_reads_none()
    {
        var store = StoreProxy.Over<HistoryWithClaims>(new InMemoryStore(PerdureTestHost.NewTaskHubName()));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(r =>
            {
                r.AddActivityFunc<string, string>("Append", (_, s) => s + ".");
                r.AddOrchestratorFunc<string, string>("Chain", async (context, input) =>
                {
                    for (var i = 0; i < 4; i++)
                    {
                        input = await context.CallActivityAsync<string>("Append", input);
                    }

                    return input;
                });
            });

            // No cache: every step of the instance is a cache miss, as on a worker that takes over another worker's instance.
            b.UsePerdureStore((_, _) => (IPerdureStore)store, o =>
            {
                o.TaskHub = ((IPerdureStore)store).TaskHub;
                o.CacheCapacity = 0;
            });
        });
        builder.Services.AddDurableTaskClient(b => b.UsePerdureStore((_, _) => (IPerdureStore)store, o => o.TaskHub = ((IPerdureStore)store).TaskHub));
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<DurableTaskClient>();

        var id = await client.ScheduleNewOrchestrationInstanceAsync("Chain", "go");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        await host.StopAsync();

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("go....", result.ReadOutputAs<string>());
        Assert.True(store.HistoriesAttached >= 4, $"{store.HistoriesAttached} claims carried a history");
        Assert.Equal(0, store.HistoryReads);
    }

    /// <summary>
    /// A store that reads each claimed instance's history with the claim, as the PostgreSQL store does for instances
    /// another worker ran, and counts the history reads anyone else makes. Every other member goes to the inner store.
    /// </summary>
    public class HistoryWithClaims : StoreProxy
    {
        private int _historyReads;
        private int _historiesAttached;

        public int HistoryReads => Volatile.Read(ref _historyReads);

        public int HistoriesAttached => Volatile.Read(ref _historiesAttached);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            switch (targetMethod.Name)
            {
                case nameof(IPerdureStore.GetHistoryAsync):
                    Interlocked.Increment(ref _historyReads);
                    break;
                case nameof(IPerdureStore.ClaimOrchestrationsAsync):
                    return ClaimWithHistoryAsync((string)args![0]!, (TimeSpan)args[1]!, (int)args[2]!, (CancellationToken)args[3]!);
            }

            return Forward(targetMethod, args);
        }

        private async Task<IReadOnlyList<OrchestrationWorkItem>> ClaimWithHistoryAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken)
        {
            var claimed = await Inner.ClaimOrchestrationsAsync(lockedBy, leaseDuration, maxCount, cancellationToken);
            var result = new List<OrchestrationWorkItem>(claimed.Count);
            foreach (var item in claimed)
            {
                if (item.HistoryLength == 0)
                {
                    result.Add(item);
                    continue;
                }

                var history = await Inner.GetHistoryAsync(item.InstanceId, cancellationToken);
                Assert.Equal(item.HistoryLength, history.Count);
                Interlocked.Increment(ref _historiesAttached);
                result.Add(new OrchestrationWorkItem(item.Instance, item.Messages, item.HistoryLength, item.Lease) { History = history });
            }

            return result;
        }
    }
}
