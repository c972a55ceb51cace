using Perdure.Core;
using Perdure.Core.History;
using Perdure.Storage.Conformance;
using Perdure.Storage.Postgres.Tests.Conformance;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// A claim carries the instance's history when another worker ran its last step (Instances.StepWorker), so a worker
/// that takes an instance over replays without a second round trip; the worker that ran the last step gets none.
/// </summary>
public sealed class PostgresClaimedHistoryTests(PostgresSchemaFixture schema) : StoreConformanceBase, IClassFixture<PostgresSchemaFixture>
{
    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider) => schema.CreateStore(taskHub, timeProvider);

    [Fact]
    public async Task A_claim_carries_the_history_only_when_another_worker_ran_the_last_step()
    {
        await CreateInstanceAsync("order-1");
        var first = await ClaimAsync("worker-a");
        Assert.Null(first.History);
        await Store.CompleteOrchestrationAsync(first, CheckpointOf(first), Ct);
        var written = await Store.GetHistoryAsync("order-1", Ct);

        await Store.SendMessageAsync(EventMessage("order-1", "again"), Ct);
        var same = await ClaimAsync("worker-a");
        Assert.Null(same.History);
        await Store.AbandonOrchestrationAsync(same, TimeSpan.Zero, Ct);

        // The abandon cleared the hint: even worker-a gets the history now, and so does worker-b.
        var afterAbandon = await ClaimAsync("worker-a");
        AssertSameHistory(written, afterAbandon);
        await Store.CompleteOrchestrationAsync(afterAbandon, CheckpointOf(afterAbandon), Ct);
        written = await Store.GetHistoryAsync("order-1", Ct);

        await Store.SendMessageAsync(EventMessage("order-1", "third"), Ct);
        var other = await ClaimAsync("worker-b");
        AssertSameHistory(written, other);
        Assert.Equal(other.HistoryLength, other.History!.Count);
    }

    [Fact]
    public async Task A_local_step_records_the_activity_worker_as_the_one_that_ran_it()
    {
        await CreateInstanceAsync("order-1");
        var claimed = await ClaimAsync("worker-a");
        await Store.CompleteOrchestrationAsync(claimed, CheckpointOf(claimed) with { ActivityTasks = [ActivityCall(claimed, 0)] }, Ct);
        var activity = Assert.Single(await Store.ClaimActivitiesAsync("worker-b", LeaseDuration, 10, Ct));
        var result = new TaskCompletedEvent { TaskScheduledId = 0, Result = "\"ok\"", Timestamp = Time.GetUtcNow() };
        var instance = await GetRequiredAsync("order-1");
        var history = await Store.GetHistoryAsync("order-1", Ct);
        var step = new LocalStep(
            instance,
            history.Count,
            new OrchestrationCheckpoint
            {
                ExecutionId = instance.ExecutionId,
                NewEvents = [new OrchestratorStartedEvent { Timestamp = Time.GetUtcNow() }, result],
                Instance = instance with { LastUpdatedAt = Time.GetUtcNow() },
            });
        Assert.True((await Store.CompleteActivityWithStepAsync(activity, result, step, Ct)).Committed);

        await Store.SendMessageAsync(EventMessage("order-1", "next"), Ct);
        var byB = await ClaimAsync("worker-b");
        Assert.Null(byB.History);
        await Store.AbandonOrchestrationAsync(byB, TimeSpan.Zero, Ct);
        var byA = await ClaimAsync("worker-a");
        AssertSameHistory(await Store.GetHistoryAsync("order-1", Ct), byA);
    }

    private static void AssertSameHistory(IReadOnlyList<HistoryEvent> expected, OrchestrationWorkItem workItem)
    {
        Assert.NotNull(workItem.History);
        Assert.Equal(expected.Select(e => (e.EventType, e.Timestamp)), workItem.History.Select(e => (e.EventType, e.Timestamp)));
    }
}
