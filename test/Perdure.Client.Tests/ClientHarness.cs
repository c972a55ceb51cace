using Microsoft.Extensions.Time.Testing;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.InMemory;

namespace Perdure.Client.Tests;

/// <summary>
/// A client over a fresh in-memory store with fake time, and a hand-driven stand-in for the worker: it claims an
/// instance from the store and completes it with a checkpoint, so tests put instances into any status without an engine.
/// </summary>
internal sealed class ClientHarness : IAsyncDisposable
{
    public const string TaskHub = "client-tests";
    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan LeaseLength = TimeSpan.FromMinutes(5);

    public ClientHarness(PerdureClientOptions? options = null)
    {
        Store = new InMemoryStore(TaskHub, Time);
        Client = new PerdureClient("test", Store, options, loggerFactory: null, Time);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero));

    public InMemoryStore Store { get; }

    public PerdureClient Client { get; }

    /// <summary>Claims <paramref name="instanceId"/> (setting other claimed instances back), or returns null when it has no visible messages.</summary>
    public async Task<OrchestrationWorkItem?> ClaimAsync(string instanceId)
    {
        for (var attempt = 0; attempt < 1000; attempt++)
        {
            var workItem = await Store.ClaimOrchestrationAsync("test-worker", LeaseLength, CancellationToken.None);
            if (workItem is null || workItem.InstanceId == instanceId)
            {
                return workItem;
            }

            await Store.AbandonOrchestrationAsync(workItem, TimeSpan.Zero, CancellationToken.None);
        }

        throw new InvalidOperationException($"Could not claim '{instanceId}'.");
    }

    /// <summary>The events waiting in the instance's visible inbox; leaves them there.</summary>
    public async Task<IReadOnlyList<HistoryEvent>> PeekInboxAsync(string instanceId)
    {
        var workItem = await ClaimAsync(instanceId);
        if (workItem is null)
        {
            return [];
        }

        await Store.AbandonOrchestrationAsync(workItem, TimeSpan.Zero, CancellationToken.None);
        return [.. workItem.Messages.Select(m => m.Event)];
    }

    /// <summary>
    /// Plays one step of the worker: consumes the instance's visible messages (sending itself a message first if it has
    /// none) and commits the instance with the given status and payloads.
    /// </summary>
    public async Task<IReadOnlyList<HistoryEvent>> StepAsync(
        string instanceId,
        OrchestrationStatus status,
        string? output = null,
        string? customStatus = null,
        FailureDetails? failure = null,
        IReadOnlyList<HistoryEvent>? events = null,
        string? newExecutionId = null)
    {
        var workItem = await ClaimAsync(instanceId);
        if (workItem is null)
        {
            await Store.SendMessageAsync(
                new InstanceMessage { InstanceId = instanceId, Event = new EventRaisedEvent { Name = "test-step" } },
                CancellationToken.None);
            workItem = await ClaimAsync(instanceId) ?? throw new InvalidOperationException($"'{instanceId}' is not claimable.");
        }

        var consumed = workItem.Messages.Select(m => m.Event).ToList();
        var now = Time.GetUtcNow();
        var checkpoint = new OrchestrationCheckpoint
        {
            ExecutionId = workItem.Instance.ExecutionId,
            NewEvents = events ?? [new OrchestratorStartedEvent { Timestamp = now }, .. consumed],
            NewExecutionId = newExecutionId,
            NewExecutionHistory = newExecutionId is null
                ? []
                : [new ExecutionStartedEvent { Name = workItem.Instance.Name, ExecutionId = newExecutionId, Input = output, Timestamp = now }],
            Instance = workItem.Instance with
            {
                ExecutionId = newExecutionId ?? workItem.Instance.ExecutionId,
                Status = status,
                Output = output,
                CustomStatus = customStatus,
                Failure = failure,
                CompletedAt = status.IsTerminal() ? now : null,
            },
            ConsumedMessageIds = [.. workItem.Messages.Select(m => m.MessageId)],
        };
        await Store.CompleteOrchestrationAsync(workItem, checkpoint, CancellationToken.None);
        return consumed;
    }

    /// <summary>Schedules <paramref name="name"/> as <paramref name="instanceId"/> and steps it to <paramref name="status"/>.</summary>
    public async Task<string> CreateAsync(
        string instanceId, OrchestrationStatus status, string name = "Order", object? input = null, string? output = null)
    {
        await Client.ScheduleNewOrchestrationInstanceAsync(name, input, new Microsoft.DurableTask.StartOrchestrationOptions(instanceId));
        if (status != OrchestrationStatus.Pending)
        {
            await StepAsync(instanceId, status, output);
        }

        return instanceId;
    }

    /// <summary>Every instance of the task hub with payloads, to show that a refused call changed nothing.</summary>
    public async Task<IReadOnlyList<InstanceState>> SnapshotAsync() =>
        (await Store.QueryInstancesAsync(new InstanceQuery { PageSize = 10_000, IncludePayloads = true }, CancellationToken.None)).Instances;

    public async Task AssertUnchangedAsync(IReadOnlyList<InstanceState> before)
    {
        var after = await SnapshotAsync();
        Assert.Equal(before, after);
    }

    public ValueTask DisposeAsync() => Store.DisposeAsync();
}
