using Microsoft.Extensions.Time.Testing;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Sqlite.Tests;

/// <summary>The writer loop: group commit, one failing request in a batch, durability across reopening, several stores on one file.</summary>
public sealed class WriterTests : IAsyncLifetime, IDisposable
{
    private static readonly DateTimeOffset Epoch = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(10);
    private static readonly CancellationToken Ct = CancellationToken.None;
    private readonly TempDatabase _database = new();
    private readonly FakeTimeProvider _time = new(Epoch);
    private readonly List<SqliteStore> _stores = [];
    private SqliteStore _store = null!;

    public async Task InitializeAsync() => _store = await OpenAsync();

    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task CompleteOrchestration_ManyConcurrentCheckpoints_ShareTransactions()
    {
        const int count = 40;
        var workItems = await ClaimNewInstancesAsync(count);
        // A second store on the same file, whose writer waits until the whole batch has arrived (or 10 s passed).
        var batching = await OpenAsync(o => (o.MaxBatchSize, o.BatchWindow) = (count, TimeSpan.FromSeconds(10)));
        var before = batching.CommittedTransactions;

        await Task.WhenAll(workItems.Select(w => Task.Run(() => batching.CompleteOrchestrationAsync(w, Checkpoint(w), Ct))));

        var transactions = batching.CommittedTransactions - before;
        Assert.InRange(transactions, 1, count - 1);
        foreach (var workItem in workItems)
        {
            Assert.Equal(OrchestrationStatus.Completed, (await _store.GetInstanceAsync(workItem.InstanceId, false, Ct))!.Status);
            Assert.Equal(3, (await _store.GetHistoryAsync(workItem.InstanceId, Ct)).Count);
        }
    }

    [Fact]
    public async Task Batch_OneRequestFails_OnlyThatRequestIsRolledBackAndReported()
    {
        await _store.CreateInstanceAsync(NewInstance("order-3"), Ct);
        var staleItem = await _store.ClaimOrchestrationAsync("worker-1", Lease, Ct);
        Assert.NotNull(staleItem);
        var stale = await ClaimAfterExpiryAsync(staleItem);
        var workItems = await ClaimNewInstancesAsync(3);
        workItems.Add(staleItem);
        var batching = await OpenAsync(o => (o.MaxBatchSize, o.BatchWindow) = (6, TimeSpan.FromSeconds(10)));
        var before = batching.CommittedTransactions;

        var good = workItems.Take(3).Select(w => batching.CompleteOrchestrationAsync(w, Checkpoint(w), Ct)).ToList();
        var lost = batching.CompleteOrchestrationAsync(workItems[3], Checkpoint(workItems[3]), Ct);
        var missing = batching.SendMessageAsync(
            new InstanceMessage { InstanceId = "nobody", Event = new EventRaisedEvent { Name = "ping" } }, Ct);
        var duplicate = batching.CreateInstanceAsync(NewInstance("order-3"), Ct);

        await Task.WhenAll(good);
        await Assert.ThrowsAsync<WorkItemLockLostException>(() => lost);
        await Assert.ThrowsAsync<InstanceNotFoundException>(() => missing);
        await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => duplicate);
        Assert.Equal(1, batching.CommittedTransactions - before);
        foreach (var workItem in workItems.Take(3))
        {
            Assert.Equal(OrchestrationStatus.Completed, (await _store.GetInstanceAsync(workItem.InstanceId, false, Ct))!.Status);
        }

        Assert.Empty(await _store.GetHistoryAsync("order-3", Ct));
        await _store.CompleteOrchestrationAsync(stale, Checkpoint(stale), Ct);
        Assert.Equal(3, (await _store.GetHistoryAsync("order-3", Ct)).Count);
    }

    [Fact]
    public async Task Store_DisposedAndReopened_KeepsEverythingCommitted()
    {
        var workItem = (await ClaimNewInstancesAsync(1))[0];
        var scheduled = new TaskScheduledEvent { EventId = 1, Name = "Charge", Input = "\"42\"", Timestamp = Epoch };
        await _store.CompleteOrchestrationAsync(workItem, Checkpoint(workItem, OrchestrationStatus.Running) with
        {
            NewEvents = [new OrchestratorStartedEvent { Timestamp = Epoch }, workItem.Messages[0].Event, scheduled],
            ActivityTasks = [new ActivityTask("order-0", workItem.Instance.ExecutionId, scheduled)],
            Instance = workItem.Instance with { Status = OrchestrationStatus.Running, CustomStatus = "\"charging\"" },
        }, Ct);
        await _store.SendMessageAsync(new InstanceMessage
        {
            InstanceId = "order-0",
            Event = new EventRaisedEvent { Name = "later", Timestamp = Epoch },
            VisibleAt = Epoch.AddMinutes(5),
        }, Ct);
        await _store.DisposeAsync();

        var reopened = await OpenAsync();

        var state = await reopened.GetInstanceAsync("order-0", includePayloads: true, Ct);
        Assert.NotNull(state);
        Assert.Equal((OrchestrationStatus.Running, "\"charging\"", "\"order-0\""), (state.Status, state.CustomStatus, state.Input));
        Assert.Equal(
            [HistoryEventType.OrchestratorStarted, HistoryEventType.ExecutionStarted, HistoryEventType.TaskScheduled],
            (await reopened.GetHistoryAsync("order-0", Ct)).Select(e => e.EventType));
        var activity = await reopened.ClaimActivityAsync("worker-2", Lease, Ct);
        Assert.NotNull(activity);
        Assert.Equal(scheduled, activity.Scheduled);
        Assert.Equal(Epoch.AddMinutes(5), await reopened.GetNextWorkDueAsync(WorkItemKind.Orchestration, Ct));
    }

    [Fact]
    public async Task TwoStoresOnOneFile_ConcurrentClaims_EachInstanceClaimedExactlyOnce()
    {
        const int count = 30;
        for (var i = 0; i < count; i++)
        {
            await _store.CreateInstanceAsync(NewInstance($"order-{i}"), Ct);
        }

        var other = await OpenAsync();
        var claims = await Task.WhenAll(Enumerable.Range(0, count + 10).Select(i => Task.Run(
            () => (i % 2 == 0 ? _store : other).ClaimOrchestrationAsync($"worker-{i}", Lease, Ct))));

        var claimed = claims.OfType<OrchestrationWorkItem>().Select(w => w.InstanceId).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(Enumerable.Range(0, count).Select(i => $"order-{i}").Order(StringComparer.Ordinal), claimed);
    }

    [Fact]
    public async Task WaitForInstance_ChangedByAnotherStoreOnTheFile_WokenByTheSafetyPoll()
    {
        var other = await OpenAsync();
        await other.CreateInstanceAsync(NewInstance("order-0"), Ct);
        var wait = _store.WaitForInstanceAsync("order-0", s => s?.Status == OrchestrationStatus.Completed, includePayloads: false, Ct);
        var workItem = await other.ClaimOrchestrationAsync("worker-1", Lease, Ct);
        Assert.NotNull(workItem);
        await other.CompleteOrchestrationAsync(workItem, Checkpoint(workItem), Ct);
        Assert.False(wait.IsCompleted);

        _time.Advance(new SqliteStoreOptions().SafetyPollInterval);

        Assert.Equal(OrchestrationStatus.Completed, (await wait.WaitAsync(SignalTimeout))!.Status);
    }

    [Fact]
    public async Task WhenWorkAvailable_WorkCreatedByAnotherStoreOnTheFile_SignalledByTheSafetyPoll()
    {
        var other = await OpenAsync();
        var signal = _store.WhenWorkAvailable(WorkItemKind.Orchestration);
        await other.CreateInstanceAsync(NewInstance("order-0"), Ct);
        Assert.False(signal.IsCompleted);

        _time.Advance(new SqliteStoreOptions().SafetyPollInterval);

        await signal.WaitAsync(SignalTimeout);
        Assert.NotNull(await _store.ClaimOrchestrationAsync("worker-1", Lease, Ct));
    }

    [Fact]
    public async Task History_StoredOneEventPerRowWithItsTypeAndJson()
    {
        var workItem = (await ClaimNewInstancesAsync(1))[0];

        await _store.CompleteOrchestrationAsync(workItem, Checkpoint(workItem), Ct);

        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT SequenceNumber, EventType, Event FROM History WHERE TaskHub = 'hub' AND InstanceId = 'order-0' ORDER BY SequenceNumber";
        using var reader = command.ExecuteReader();
        var rows = new List<(long Sequence, long Type, string Json)>();
        while (reader.Read())
        {
            rows.Add((reader.GetInt64(0), reader.GetInt64(1), reader.GetString(2)));
        }

        Assert.Equal([0L, 1L, 2L], rows.Select(r => r.Sequence));
        Assert.Equal(
            [(long)HistoryEventType.OrchestratorStarted, (long)HistoryEventType.ExecutionStarted, (long)HistoryEventType.ExecutionCompleted],
            rows.Select(r => r.Type));
        Assert.StartsWith("{\"$type\":\"OrchestratorStarted\"", rows[0].Json, StringComparison.Ordinal);
        Assert.Contains("\"Input\":\"\\\"order-0\\\"\"", rows[1].Json, StringComparison.Ordinal);
    }

    private async Task<SqliteStore> OpenAsync(Action<SqliteStoreOptions>? configure = null)
    {
        var store = _database.CreateStore("hub", _time, configure);
        _stores.Add(store);
        await store.CreateTaskHubAsync(Ct);
        return store;
    }

    private async Task<List<OrchestrationWorkItem>> ClaimNewInstancesAsync(int count)
    {
        var workItems = new List<OrchestrationWorkItem>();
        for (var i = 0; i < count; i++)
        {
            await _store.CreateInstanceAsync(NewInstance($"order-{i}"), Ct);
            var workItem = await _store.ClaimOrchestrationAsync("worker-1", Lease, Ct);
            Assert.NotNull(workItem);
            workItems.Add(workItem);
        }

        return workItems;
    }

    /// <summary>Lets <paramref name="workItem"/>'s lease run out and claims the instance again, so the old item is stale.</summary>
    private async Task<OrchestrationWorkItem> ClaimAfterExpiryAsync(OrchestrationWorkItem workItem)
    {
        _time.Advance(Lease + TimeSpan.FromSeconds(1));
        var current = await _store.ClaimOrchestrationAsync("worker-2", Lease, Ct);
        Assert.NotNull(current);
        Assert.Equal(workItem.InstanceId, current.InstanceId);
        return current;
    }

    private static NewInstance NewInstance(string instanceId) => new()
    {
        InstanceId = instanceId,
        Started = new ExecutionStartedEvent
        {
            Name = "Checkout",
            ExecutionId = Guid.NewGuid().ToString("N"),
            Input = $"\"{instanceId}\"",
            Timestamp = Epoch,
        },
    };

    private OrchestrationCheckpoint Checkpoint(OrchestrationWorkItem workItem, OrchestrationStatus status = OrchestrationStatus.Completed)
    {
        var now = _time.GetUtcNow();
        return new OrchestrationCheckpoint
        {
            ExecutionId = workItem.Instance.ExecutionId,
            NewEvents =
            [
                new OrchestratorStartedEvent { Timestamp = now },
                .. workItem.Messages.Select(m => m.Event),
                new ExecutionCompletedEvent { Status = OrchestrationStatus.Completed, Result = "\"done\"", Timestamp = now },
            ],
            Instance = workItem.Instance with { Status = status, Output = "\"done\"", CompletedAt = now },
            ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
        };
    }
}
