using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;
using Perdure.Core.InMemory;
using Perdure.Core.Storage;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class StoreFaultTests
{
    [Fact]
    public async Task A_store_read_that_fails_while_the_worker_is_idle_does_not_stop_it()
    {
        var store = new FaultyStore(new InMemoryStore(PerdureTestHost.NewTaskHubName()));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(r => r.AddOrchestratorFunc<string, string>("Echo", (_, s) => s));
            b.UsePerdureStore((_, _) => store, o => o.TaskHub = store.TaskHub);
        });
        builder.Services.AddDurableTaskClient(b => b.UsePerdureStore((_, _) => store, o => o.TaskHub = store.TaskHub));
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<DurableTaskClient>();

        await store.NextDueFailed.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var id = await client.ScheduleNewOrchestrationInstanceAsync("Echo", "still alive");
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        await host.StopAsync();

        Assert.Equal("still alive", result.ReadOutputAs<string>());
    }

    /// <summary>The in-memory store, except that the first orchestration next-due read throws.</summary>
    private sealed class FaultyStore(IPerdureStore inner) : IPerdureStore
    {
        private int _failed;

        public TaskCompletionSource NextDueFailed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string TaskHub => inner.TaskHub;

        public Task<DateTimeOffset?> GetNextWorkDueAsync(WorkItemKind kind, CancellationToken cancellationToken)
        {
            if (kind == WorkItemKind.Orchestration && Interlocked.Exchange(ref _failed, 1) == 0)
            {
                NextDueFailed.SetResult();
                throw new IOException("disk I/O error (simulated)");
            }

            return inner.GetNextWorkDueAsync(kind, cancellationToken);
        }

        public Task CreateTaskHubAsync(CancellationToken cancellationToken) => inner.CreateTaskHubAsync(cancellationToken);

        public Task DeleteTaskHubAsync(CancellationToken cancellationToken) => inner.DeleteTaskHubAsync(cancellationToken);

        public Task CreateInstanceAsync(NewInstance instance, CancellationToken cancellationToken) => inner.CreateInstanceAsync(instance, cancellationToken);

        public Task SendMessageAsync(InstanceMessage message, CancellationToken cancellationToken) => inner.SendMessageAsync(message, cancellationToken);

        public Task<IReadOnlyList<OrchestrationWorkItem>> ClaimOrchestrationsAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken) =>
            inner.ClaimOrchestrationsAsync(lockedBy, leaseDuration, maxCount, cancellationToken);

        public Task RenewOrchestrationLeaseAsync(OrchestrationWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
            inner.RenewOrchestrationLeaseAsync(workItem, leaseDuration, cancellationToken);

        public Task<IReadOnlyList<ActivityWorkItem>> CompleteOrchestrationAsync(OrchestrationWorkItem workItem, OrchestrationCheckpoint checkpoint, CancellationToken cancellationToken) =>
            inner.CompleteOrchestrationAsync(workItem, checkpoint, cancellationToken);

        public Task AbandonOrchestrationAsync(OrchestrationWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken) =>
            inner.AbandonOrchestrationAsync(workItem, retryAfter, cancellationToken);

        public Task<IReadOnlyList<HistoryEvent>> GetHistoryAsync(string instanceId, CancellationToken cancellationToken) =>
            inner.GetHistoryAsync(instanceId, cancellationToken);

        public Task<IReadOnlyList<ActivityWorkItem>> ClaimActivitiesAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken) =>
            inner.ClaimActivitiesAsync(lockedBy, leaseDuration, maxCount, cancellationToken);

        public Task RenewActivityLeaseAsync(ActivityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
            inner.RenewActivityLeaseAsync(workItem, leaseDuration, cancellationToken);

        public Task CompleteActivityAsync(ActivityWorkItem workItem, HistoryEvent result, CancellationToken cancellationToken) =>
            inner.CompleteActivityAsync(workItem, result, cancellationToken);

        public Task<LocalStepResult> CompleteActivityWithStepAsync(ActivityWorkItem workItem, HistoryEvent result, LocalStep step, CancellationToken cancellationToken) =>
            inner.CompleteActivityWithStepAsync(workItem, result, step, cancellationToken);

        public Task AbandonActivityAsync(ActivityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken) =>
            inner.AbandonActivityAsync(workItem, retryAfter, cancellationToken);

        public Task SendEntityMessageAsync(EntityInboxMessage message, CancellationToken cancellationToken) =>
            inner.SendEntityMessageAsync(message, cancellationToken);

        public Task<IReadOnlyList<EntityWorkItem>> ClaimEntitiesAsync(string lockedBy, TimeSpan leaseDuration, int maxCount, CancellationToken cancellationToken) =>
            inner.ClaimEntitiesAsync(lockedBy, leaseDuration, maxCount, cancellationToken);

        public Task RenewEntityLeaseAsync(EntityWorkItem workItem, TimeSpan leaseDuration, CancellationToken cancellationToken) =>
            inner.RenewEntityLeaseAsync(workItem, leaseDuration, cancellationToken);

        public Task<IReadOnlyList<string>> CompleteEntityAsync(EntityWorkItem workItem, EntityCheckpoint checkpoint, CancellationToken cancellationToken) =>
            inner.CompleteEntityAsync(workItem, checkpoint, cancellationToken);

        public Task AbandonEntityAsync(EntityWorkItem workItem, TimeSpan retryAfter, CancellationToken cancellationToken) =>
            inner.AbandonEntityAsync(workItem, retryAfter, cancellationToken);

        public Task<StoredEntity?> GetEntityAsync(string entityId, bool includeState, CancellationToken cancellationToken) =>
            inner.GetEntityAsync(entityId, includeState, cancellationToken);

        public Task<StoredEntityPage> QueryEntitiesAsync(StoredEntityQuery query, CancellationToken cancellationToken) =>
            inner.QueryEntitiesAsync(query, cancellationToken);

        public Task<EntityCleanupResult> CleanEntityStorageAsync(EntityCleanupRequest request, CancellationToken cancellationToken) =>
            inner.CleanEntityStorageAsync(request, cancellationToken);

        public Task<int> PurgeEntityAsync(string entityId, CancellationToken cancellationToken) => inner.PurgeEntityAsync(entityId, cancellationToken);

        public Task WhenWorkAvailable(WorkItemKind kind) => inner.WhenWorkAvailable(kind);

        public Task<InstanceState?> WaitForInstanceAsync(string instanceId, Func<InstanceState?, bool> condition, bool includePayloads, CancellationToken cancellationToken) =>
            inner.WaitForInstanceAsync(instanceId, condition, includePayloads, cancellationToken);

        public Task<InstanceState?> GetInstanceAsync(string instanceId, bool includePayloads, CancellationToken cancellationToken) =>
            inner.GetInstanceAsync(instanceId, includePayloads, cancellationToken);

        public Task<InstancePage> QueryInstancesAsync(InstanceQuery query, CancellationToken cancellationToken) => inner.QueryInstancesAsync(query, cancellationToken);

        public Task<int> PurgeInstanceAsync(string instanceId, bool recursive, CancellationToken cancellationToken) =>
            inner.PurgeInstanceAsync(instanceId, recursive, cancellationToken);

        public Task<int> PurgeInstancesAsync(PurgeFilter filter, CancellationToken cancellationToken) => inner.PurgeInstancesAsync(filter, cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
