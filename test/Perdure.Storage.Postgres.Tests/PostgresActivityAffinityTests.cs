using Perdure.Core;
using Perdure.Storage.Conformance;
using Perdure.Storage.Postgres.Tests.Conformance;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// <see cref="PostgresStoreOptions.ActivityAffinity"/>: an activity is left to the worker that ran its orchestration's
/// last step for that long, then anyone claims it; next-due reads say when.
/// </summary>
public sealed class PostgresActivityAffinityTests(PostgresSchemaFixture schema) : StoreConformanceBase, IClassFixture<PostgresSchemaFixture>
{
    private static readonly TimeSpan Affinity = TimeSpan.FromSeconds(1);

    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider)
    {
        var options = schema.Options();
        options.ActivityAffinity = Affinity;
        return new PostgresStore(taskHub, options, timeProvider);
    }

    [Fact]
    public async Task Another_workers_activity_is_left_to_it_for_the_affinity_then_claimed()
    {
        var other = await NewStoreAsync(Store.TaskHub);
        await ScheduleActivityOnWorkerAAsync();

        Assert.Empty(await other.ClaimActivitiesAsync("worker-b", LeaseDuration, 10, Ct));
        Assert.Equal(Time.GetUtcNow() + Affinity, await other.GetNextWorkDueAsync(WorkItemKind.Activity, Ct));

        Time.Advance(Affinity);

        var claimed = Assert.Single(await other.ClaimActivitiesAsync("worker-b", LeaseDuration, 10, Ct));
        Assert.Equal("order-1", claimed.InstanceId);

        // Leased now: due again when the lease expires, and still the step's worker's first for the affinity after that.
        Assert.Equal(Time.GetUtcNow() + LeaseDuration + Affinity, await other.GetNextWorkDueAsync(WorkItemKind.Activity, Ct));
    }

    [Fact]
    public async Task The_worker_that_ran_the_step_claims_its_activity_at_once_through_any_store()
    {
        var other = await NewStoreAsync(Store.TaskHub);
        await ScheduleActivityOnWorkerAAsync();

        Assert.Single(await other.ClaimActivitiesAsync("worker-a", LeaseDuration, 10, Ct));
    }

    private async Task ScheduleActivityOnWorkerAAsync()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync("worker-a");
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { ActivityTasks = [ActivityCall(workItem, 0)] }, Ct);
    }
}
