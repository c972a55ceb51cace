using Npgsql;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Storage.Conformance;
using Perdure.Storage.Postgres.Tests.Conformance;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// What only a shared database has: several stores on one task hub, each with its own data source and LISTEN
/// connection, as worker processes on different machines would have.
/// </summary>
public sealed class PostgresWorkerTests(PostgresSchemaFixture schema) : StoreConformanceBase, IClassFixture<PostgresSchemaFixture>
{
    private readonly Dictionary<IPerdureStore, string> _applicationNames = [];

    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider)
    {
        var applicationName = "perdure_test_" + Guid.NewGuid().ToString("N");
        var options = schema.Options();
        options.ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { ApplicationName = applicationName }.ConnectionString;
        options.FallbackPollInterval = TimeSpan.FromMilliseconds(100);
        var store = new PostgresStore(taskHub, options, timeProvider);
        _applicationNames[store] = applicationName;
        return store;
    }

    [Fact]
    public async Task A_commit_of_another_worker_wakes_this_workers_dispatcher_through_notify()
    {
        var other = await NewStoreAsync(Store.TaskHub);
        var orchestrations = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await CreateInstanceAsync("order-1", store: other);

        await orchestrations.WaitAsync(SignalTimeout);
        var workItem = await ClaimAsync();
        var activities = Store.WhenWorkAvailable(WorkItemKind.Activity);
        await other.CompleteOrchestrationAsync(
            workItem,
            CheckpointOf(workItem) with { ActivityTasks = [ActivityCall(workItem, 0)] },
            Ct);
        await activities.WaitAsync(SignalTimeout);
        Assert.Single(await Store.ClaimActivitiesAsync("worker-1", LeaseDuration, 10, Ct));
    }

    [Fact]
    public async Task A_waiter_is_woken_by_another_workers_commit_of_its_instance()
    {
        var other = await NewStoreAsync(Store.TaskHub);
        await CreateInstanceAsync("order-1");
        var completed = Store.WaitForInstanceAsync("order-1", s => s?.Status == OrchestrationStatus.Completed, includePayloads: true, Ct);

        await SetStatusAsync("order-1", OrchestrationStatus.Completed, other);

        var state = await completed.WaitAsync(SignalTimeout);
        Assert.Equal("\"done\"", state?.Output);
    }

    [Fact]
    public async Task Waiters_that_need_a_read_while_one_runs_share_the_next_one()
    {
        var store = (PostgresStore)Store;
        var ids = Enumerable.Range(0, 20).Select(i => $"order-{i}").ToArray();
        foreach (var id in ids)
        {
            await CreateInstanceAsync(id);
        }

        // With the table locked, the first batch of waiters' reads (one waiter or more, as they come) cannot finish;
        // the rest queue behind it and go together in the next.
        await using var admin = await OpenAdminConnectionAsync();
        await using var hold = await admin.BeginTransactionAsync(Ct);
        await using (var lockTable = new NpgsqlCommand($"LOCK TABLE {schema.Schema}.instances IN ACCESS EXCLUSIVE MODE", admin, hold))
        {
            await lockTable.ExecuteNonQueryAsync(Ct);
        }

        var waits = ids.Select(id => Store.WaitForInstanceAsync(id, s => s?.Status == OrchestrationStatus.Completed, includePayloads: true, Ct)).ToList();
        await hold.CommitAsync(Ct);

        // This store's own checkpoints hand their rows to the waiters, so those batches are all the reads there are.
        foreach (var id in ids)
        {
            await SetStatusAsync(id, OrchestrationStatus.Completed);
        }

        var states = await Task.WhenAll(waits).WaitAsync(SignalTimeout);
        Assert.All(states, s => Assert.Equal("\"done\"", s?.Output));
        Assert.InRange(store.WaiterReadBatches, 1, 2);
    }

    [Fact]
    public async Task A_killed_listen_connection_wakes_everything_and_listens_again_by_itself()
    {
        var store = (PostgresStore)Store;
        var other = await NewStoreAsync(Store.TaskHub);
        var relistened = store.Listener!.NextListen;
        var woken = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await using (var admin = await OpenAdminConnectionAsync())
        await using (var kill = new NpgsqlCommand(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1 AND (query LIKE 'LISTEN%' OR query LIKE '-- Checks that the LISTEN%')", admin))
        {
            kill.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _applicationNames[Store] });
            Assert.Equal(true, await kill.ExecuteScalarAsync(Ct));
        }

        await woken.WaitAsync(SignalTimeout);
        await relistened.WaitAsync(SignalTimeout);
        var afterwards = Store.WhenWorkAvailable(WorkItemKind.Orchestration);
        await CreateInstanceAsync("order-1", store: other);
        await afterwards.WaitAsync(SignalTimeout);
        Assert.Equal("order-1", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task After_every_connection_of_a_store_is_killed_its_next_requests_run_on_new_connections()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        Assert.NotNull(await Store.GetInstanceAsync("order-1", includePayloads: true, Ct));

        // As after a server restart: every backend of the store, pooled and listening, is gone.
        await using (var admin = await OpenAdminConnectionAsync())
        await using (var kill = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", admin))
        {
            kill.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _applicationNames[Store] });
            Assert.True((long)(await kill.ExecuteScalarAsync(Ct))! >= 2);
        }

        Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync("order-1")).Status);
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem, OrchestrationStatus.Completed), Ct);
        Assert.Equal(OrchestrationStatus.Completed, (await GetRequiredAsync("order-1")).Status);
    }

    [Fact]
    public async Task A_step_whose_history_another_worker_already_wrote_is_dropped_as_a_lost_lease_and_writes_nothing()
    {
        await CreateInstanceAsync("order-1");
        var first = await ClaimAsync("worker-1");
        Time.Advance(LeaseDuration + TimeSpan.FromSeconds(1));
        var second = await ClaimAsync("worker-2");
        await Store.CompleteOrchestrationAsync(second, CheckpointOf(second), Ct);
        var committed = await Store.GetHistoryAsync("order-1", Ct);

        // Force what the lease check normally prevents: the first worker's lease and history length are put back, so
        // only the unique history key stands between its stale step and the committed one.
        await using (var admin = await OpenAdminConnectionAsync())
        await using (var rewind = new NpgsqlCommand(
            $"UPDATE {schema.Schema}.instances SET lockedby = $1, lockexpiration = $2, historylength = 0 WHERE taskhub = $3 AND instanceid = 'order-1'",
            admin))
        {
            rewind.Parameters.Add(new NpgsqlParameter<string> { TypedValue = first.Lease.LockedBy });
            rewind.Parameters.Add(new NpgsqlParameter<long> { TypedValue = first.Lease.LockExpiration.UtcTicks });
            rewind.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Store.TaskHub });
            Assert.Equal(1, await rewind.ExecuteNonQueryAsync(Ct));
        }

        await Assert.ThrowsAsync<WorkItemLockLostException>(() =>
            Store.CompleteOrchestrationAsync(first, CheckpointOf(first, OrchestrationStatus.Completed), Ct));

        Assert.Equal(committed.Count, (await Store.GetHistoryAsync("order-1", Ct)).Count);
        Assert.Equal(OrchestrationStatus.Running, (await GetRequiredAsync("order-1")).Status);
    }

    [Fact]
    public async Task Workers_claiming_at_once_never_get_the_same_instance()
    {
        var stores = new List<IPerdureStore> { Store };
        for (var i = 0; i < 3; i++)
        {
            stores.Add(await NewStoreAsync(Store.TaskHub));
        }

        for (var i = 0; i < 40; i++)
        {
            await CreateInstanceAsync($"order-{i:D2}");
        }

        var claims = await Task.WhenAll(stores.Select((s, i) => s.ClaimOrchestrationsAsync($"worker-{i}", LeaseDuration, 15, Ct)));

        var claimed = claims.SelectMany(c => c).Select(w => w.InstanceId).ToList();
        Assert.Equal(claimed.Count, claimed.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(40, claimed.Count + (await Store.ClaimOrchestrationsAsync("worker-late", LeaseDuration, 100, Ct)).Count);
    }

    [Fact]
    public async Task Steps_of_instances_messaging_each_other_at_once_all_commit_even_when_their_row_locks_cross()
    {
        var other = await NewStoreAsync(Store.TaskHub);
        const int Pairs = 8;
        for (var i = 0; i < Pairs * 2; i++)
        {
            await CreateInstanceAsync($"peer-{i:D2}");
        }

        var workItems = await Store.ClaimOrchestrationsAsync("worker-1", LeaseDuration, Pairs * 2, Ct);
        Assert.Equal(Pairs * 2, workItems.Count);

        // Each step locks its own row, then its partner's (to wake it): partners lock in opposite orders, so some
        // transactions may deadlock and must be run again by the store, not fail.
        await Task.WhenAll(workItems.Select((w, i) =>
        {
            var index = int.Parse(w.InstanceId[5..], System.Globalization.CultureInfo.InvariantCulture);
            var partner = $"peer-{index ^ 1:D2}";
            var store = i % 2 == 0 ? Store : other;
            return store.CompleteOrchestrationAsync(w, CheckpointOf(w) with { Messages = [EventMessage(partner, "ping")] }, Ct);
        }));

        var again = await Store.ClaimOrchestrationsAsync("worker-2", LeaseDuration, Pairs * 4, Ct);
        Assert.Equal(Pairs * 2, again.Count);
        Assert.All(again, w => Assert.Equal("ping", Assert.IsType<EventRaisedEvent>(Assert.Single(w.Messages).Event).Name));
    }

    private static async Task<NpgsqlConnection> OpenAdminConnectionAsync()
    {
        var connection = new NpgsqlConnection(PostgresDatabase.ReadConnectionString(Environment.GetEnvironmentVariable(PostgresDatabase.EnvironmentVariable)));
        await connection.OpenAsync(Ct);
        return connection;
    }
}
