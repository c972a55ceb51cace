using Npgsql;
using Perdure.Core;
using Perdure.Storage.Conformance;
using Perdure.Storage.Postgres.Tests.Conformance;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// Group commit: write requests that queue while the store's writer lanes are busy share one transaction, and a request
/// that fails inside a group fails alone. The store here has one lane, held up by a row lock the test owns, so the
/// requests queued meanwhile form known groups.
/// </summary>
public sealed class PostgresGroupCommitTests(PostgresSchemaFixture schema) : StoreConformanceBase, IClassFixture<PostgresSchemaFixture>
{
    private readonly string _applicationName = "perdure_test_" + Guid.NewGuid().ToString("N");

    private PostgresStore PgStore => (PostgresStore)Store;

    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider)
    {
        var options = schema.Options();
        options.ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString) { ApplicationName = _applicationName }.ConnectionString;
        options.WriteConnections = 1;
        options.MaxBatchSize = 64;
        return new PostgresStore(taskHub, options, timeProvider);
    }

    [Fact]
    public async Task Requests_queued_behind_a_busy_lane_commit_together_in_groups_of_at_most_the_batch_size()
    {
        await CreateInstanceAsync("blocker");

        var created = await WhileTheLaneIsHeldAsync(() =>
            Enumerable.Range(0, 100).Select(i => Store.CreateInstanceAsync(NewInstanceRequest($"order-{i}"), Ct)).ToList());

        await Task.WhenAll(created);
        Assert.Equal(100, PgStore.GroupedRequests);
        Assert.Equal(0, PgStore.GroupsSplit);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync($"order-{i}")).Status);
        }
    }

    [Fact]
    public async Task A_request_that_fails_inside_a_group_fails_alone_and_the_others_commit()
    {
        await CreateInstanceAsync("blocker");
        await CreateInstanceAsync("taken");

        var created = await WhileTheLaneIsHeldAsync(() =>
            Enumerable.Range(0, 20)
                .Select(i => Store.CreateInstanceAsync(NewInstanceRequest(i == 10 ? "taken" : $"order-{i}"), Ct))
                .ToList());

        var duplicate = await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => created[10]);
        Assert.Equal("taken", duplicate.InstanceId);
        await Task.WhenAll(created.Where((_, i) => i != 10));
        Assert.Equal(1, PgStore.GroupsSplit);
        for (var i = 0; i < 20; i++)
        {
            if (i != 10)
            {
                Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync($"order-{i}")).Status);
            }
        }
    }

    /// <summary>
    /// Locks the row of "blocker", sends it a message (so the store's only lane waits for that lock), runs
    /// <paramref name="queue"/> while the lane is stuck, then lets it go.
    /// </summary>
    private async Task<List<Task>> WhileTheLaneIsHeldAsync(Func<List<Task>> queue)
    {
        await using var admin = new NpgsqlConnection(PostgresDatabase.ReadConnectionString(Environment.GetEnvironmentVariable(PostgresDatabase.EnvironmentVariable)));
        await admin.OpenAsync(Ct);
        await using var transaction = await admin.BeginTransactionAsync(Ct);
        await using (var lockRow = new NpgsqlCommand($"SELECT 1 FROM {schema.Schema}.instances WHERE taskhub = $1 AND instanceid = 'blocker' FOR UPDATE", admin, transaction))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Store.TaskHub });
            Assert.Equal(1, await lockRow.ExecuteScalarAsync(Ct));
        }

        var blocked = Store.SendMessageAsync(EventMessage("blocker", "go"), Ct);
        await WaitUntilTheLaneWaitsForTheLockAsync(admin);
        var queued = queue();
        Assert.False(blocked.IsCompleted);
        await transaction.CommitAsync(Ct);
        await blocked;
        return queued;
    }

    private async Task WaitUntilTheLaneWaitsForTheLockAsync(NpgsqlConnection admin)
    {
        await using var waiting = new NpgsqlCommand(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'", admin);
        waiting.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _applicationName });
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(SignalTimeout);
        // pg_stat_activity is the only place that says a backend waits for a lock: ask until it does (each ask is a round
        // trip, which paces the loop).
        while ((long)(await waiting.ExecuteScalarAsync(timeout.Token))! == 0)
        {
        }
    }
}
