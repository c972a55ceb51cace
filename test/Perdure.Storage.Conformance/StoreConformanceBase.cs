using Microsoft.Extensions.Time.Testing;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.Storage;

namespace Perdure.Storage.Conformance;

/// <summary>
/// The base of every conformance class: a store per test on its own task hub, a fake clock, and helpers that drive
/// instances through the contract. A store closes each concern's class once by implementing <see cref="CreateStore"/>.
/// </summary>
/// <remarks>
/// Tests use only what <see cref="IPerdureStore"/> and the model's XML docs promise. Times are whole seconds so that
/// stores with coarser clocks than .NET ticks compare equal.
/// </remarks>
public abstract class StoreConformanceBase : IAsyncLifetime
{
    /// <summary>The fake clock's starting time.</summary>
    protected static readonly DateTimeOffset Epoch = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>The lease every claim asks for unless a test says otherwise.</summary>
    protected static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(1);

    /// <summary>The bound on awaiting a signal; a store that does not signal fails the test instead of hanging it.</summary>
    protected static readonly TimeSpan SignalTimeout = TimeSpan.FromSeconds(10);

    /// <summary>The orchestrator name used when a test does not care.</summary>
    protected const string DefaultName = "Orchestrator";

    private readonly List<IPerdureStore> _stores = [];

    /// <summary>The clock every store of this test reads.</summary>
    protected FakeTimeProvider Time { get; } = new(Epoch);

    /// <summary>The store of this test, on its own task hub.</summary>
    protected IPerdureStore Store { get; private set; } = null!;

    /// <summary>No test cancels store calls unless it tests cancellation.</summary>
    protected static CancellationToken Ct => CancellationToken.None;

    /// <summary>Creates a store for <paramref name="taskHub"/> that reads time from <paramref name="timeProvider"/>.</summary>
    protected abstract IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider);

    /// <inheritdoc/>
    public async Task InitializeAsync() => Store = await NewStoreAsync();

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        foreach (var store in _stores)
        {
            await store.DeleteTaskHubAsync(Ct);
            await store.DisposeAsync();
        }
    }

    /// <summary>A task hub name no other test uses.</summary>
    protected static string NewTaskHubName() => "conformance_" + Guid.NewGuid().ToString("N");

    /// <summary>Creates (and later deletes) another store on the same clock, on a fresh task hub unless one is named.</summary>
    protected async Task<IPerdureStore> NewStoreAsync(string? taskHub = null)
    {
        var store = CreateStore(taskHub ?? NewTaskHubName(), Time);
        _stores.Add(store);
        await store.CreateTaskHubAsync(Ct);
        return store;
    }

    /// <summary>A fresh execution id.</summary>
    protected static string NewExecutionId() => Guid.NewGuid().ToString("N");

    /// <summary>Builds a request to create <paramref name="instanceId"/>.</summary>
    protected NewInstance NewInstanceRequest(
        string instanceId,
        string name = DefaultName,
        string? input = null,
        DateTimeOffset? scheduledStartAt = null,
        ParentInstance? parent = null,
        IReadOnlyCollection<OrchestrationStatus>? dedupeStatuses = null) => new()
        {
            InstanceId = instanceId,
            Started = new ExecutionStartedEvent
            {
                Name = name,
                Input = input,
                ExecutionId = NewExecutionId(),
                Parent = parent,
                ScheduledStartAt = scheduledStartAt,
                Timestamp = Time.GetUtcNow(),
            },
            DedupeStatuses = dedupeStatuses ?? [],
        };

    /// <summary>Creates <paramref name="instanceId"/> in <see cref="Store"/> (or <paramref name="store"/>) and returns the request.</summary>
    protected async Task<NewInstance> CreateInstanceAsync(string instanceId, string? input = null, string name = DefaultName, IPerdureStore? store = null)
    {
        var request = NewInstanceRequest(instanceId, name, input);
        await (store ?? Store).CreateInstanceAsync(request, Ct);
        return request;
    }

    /// <summary>An external event for <paramref name="instanceId"/>.</summary>
    protected InstanceMessage EventMessage(string instanceId, string name, string? input = null, DateTimeOffset? visibleAt = null) => new()
    {
        InstanceId = instanceId,
        Event = new EventRaisedEvent { Name = name, Input = input, Timestamp = Time.GetUtcNow() },
        VisibleAt = visibleAt,
    };

    /// <summary>An activity call scheduled by <paramref name="workItem"/>'s execution.</summary>
    protected ActivityTask ActivityCall(OrchestrationWorkItem workItem, int eventId, string name = "Activity", string? input = null)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        return new ActivityTask(
            workItem.InstanceId,
            workItem.Instance.ExecutionId,
            new TaskScheduledEvent { EventId = eventId, Name = name, Input = input, Timestamp = Time.GetUtcNow() });
    }

    /// <summary>Claims the next orchestration work item and fails the test when there is none.</summary>
    protected async Task<OrchestrationWorkItem> ClaimAsync(string lockedBy = "worker-1", IPerdureStore? store = null)
    {
        var workItem = await (store ?? Store).ClaimOrchestrationAsync(lockedBy, LeaseDuration, Ct);
        Assert.NotNull(workItem);
        return workItem;
    }

    /// <summary>Claims until <paramref name="instanceId"/> comes up; other instances claimed on the way are released again.</summary>
    protected async Task<OrchestrationWorkItem> ClaimInstanceAsync(string instanceId, IPerdureStore? store = null)
    {
        store ??= Store;
        var others = new List<OrchestrationWorkItem>();
        try
        {
            while (true)
            {
                var workItem = await store.ClaimOrchestrationAsync($"worker-{others.Count}", LeaseDuration, Ct);
                Assert.True(workItem is not null, $"Instance '{instanceId}' was expected to be claimable.");
                if (workItem.InstanceId == instanceId)
                {
                    return workItem;
                }

                others.Add(workItem);
            }
        }
        finally
        {
            foreach (var other in others)
            {
                await store.AbandonOrchestrationAsync(other, TimeSpan.Zero, Ct);
            }
        }
    }

    /// <summary>
    /// A checkpoint that consumes every message of <paramref name="workItem"/>, records them in history after an
    /// <see cref="OrchestratorStartedEvent"/>, and leaves the instance in <paramref name="status"/>.
    /// </summary>
    protected OrchestrationCheckpoint CheckpointOf(OrchestrationWorkItem workItem, OrchestrationStatus status = OrchestrationStatus.Running)
    {
        ArgumentNullException.ThrowIfNull(workItem);
        var now = Time.GetUtcNow();
        List<HistoryEvent> events = [new OrchestratorStartedEvent { Timestamp = now }, .. workItem.Messages.Select(m => m.Event)];
        var terminal = status.IsTerminal();
        if (status is OrchestrationStatus.Completed or OrchestrationStatus.Failed)
        {
            events.Add(new ExecutionCompletedEvent { Status = status, Result = Output(status), Failure = Failure(status), Timestamp = now });
        }

        return new OrchestrationCheckpoint
        {
            ExecutionId = workItem.Instance.ExecutionId,
            NewEvents = events,
            Instance = workItem.Instance with
            {
                Status = status,
                Output = terminal ? Output(status) : null,
                Failure = Failure(status),
                LastUpdatedAt = now,
                CompletedAt = terminal ? now : null,
            },
            ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
        };

        static string? Output(OrchestrationStatus status) => status is OrchestrationStatus.Failed ? null : "\"done\"";

        static FailureDetails? Failure(OrchestrationStatus status) =>
            status is OrchestrationStatus.Failed ? new FailureDetails("System.InvalidOperationException", "boom") : null;
    }

    /// <summary>Runs one step of <paramref name="instanceId"/> that consumes all its messages and leaves it in <paramref name="status"/>.</summary>
    protected async Task SetStatusAsync(string instanceId, OrchestrationStatus status, IPerdureStore? store = null)
    {
        store ??= Store;
        var workItem = await ClaimInstanceAsync(instanceId, store);
        await store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem, status), Ct);
    }

    /// <summary>Creates <paramref name="instanceId"/> and, unless <paramref name="status"/> is Pending, runs it into that status.</summary>
    protected async Task<NewInstance> CreateInStatusAsync(string instanceId, OrchestrationStatus status, IPerdureStore? store = null)
    {
        var request = await CreateInstanceAsync(instanceId, store: store);
        if (status != OrchestrationStatus.Pending)
        {
            await SetStatusAsync(instanceId, status, store);
        }

        return request;
    }

    /// <summary>Reads an instance with payloads and fails the test when it does not exist.</summary>
    protected async Task<InstanceState> GetRequiredAsync(string instanceId, IPerdureStore? store = null)
    {
        var state = await (store ?? Store).GetInstanceAsync(instanceId, includePayloads: true, Ct);
        Assert.True(state is not null, $"Instance '{instanceId}' was expected to exist.");
        return state;
    }

    /// <summary>Reads every page of <paramref name="query"/>.</summary>
    protected async Task<List<InstanceState>> QueryAllAsync(InstanceQuery query, IPerdureStore? store = null)
    {
        ArgumentNullException.ThrowIfNull(query);
        var all = new List<InstanceState>();
        string? token = null;
        do
        {
            var page = await (store ?? Store).QueryInstancesAsync(query with { ContinuationToken = token }, Ct);
            Assert.InRange(page.Instances.Count, 0, query.PageSize);
            all.AddRange(page.Instances);
            token = page.ContinuationToken;
        }
        while (token is not null);

        return all;
    }
}
