using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Perdure.Core;
using Perdure.Storage.Postgres.Tests.Conformance;
using Xunit.Abstractions;
using DtfHistory = DurableTask.Core.History;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// Faults in the middle of a run, end to end through the engine and the SDK client: a worker's connection killed while
/// its transaction is open, and a worker whose lease runs out while it still works (a second worker takes over). Each
/// worker and the client have a store of their own, as separate processes would.
/// </summary>
public sealed class PostgresFaultTests(PostgresSchemaFixture schema, ITestOutputHelper output) : IClassFixture<PostgresSchemaFixture>, IAsyncLifetime
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan ShortLease = TimeSpan.FromSeconds(1);
    private readonly string _taskHub = "fault_" + Guid.NewGuid().ToString("N");
    private readonly string _applicationName = "perdure_fault_" + Guid.NewGuid().ToString("N");
    private readonly List<IHost> _hosts = [];
    private readonly List<PostgresStore> _stores = [];

    [Fact]
    public async Task A_worker_connection_killed_while_its_transaction_waits_for_a_row_lock_is_retried_and_the_step_commits_once()
    {
        using var timeout = new CancellationTokenSource(Guard);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var gatedRuns = 0;
        var plainRuns = 0;
        await StartWorkerAsync("worker", Store("worker"), r => r
            .AddOrchestratorFunc<object?, string>("Gated", async (ctx, _) =>
                $"{await ctx.CallActivityAsync<string>("Gate", "a")},{await ctx.CallActivityAsync<string>("Plain", "b")}")
            .AddActivityFunc<string, string>("Gate", async (_, input) =>
            {
                Interlocked.Increment(ref gatedRuns);
                started.TrySetResult();
                await release.Task;
                return input;
            })
            .AddActivityFunc<string, string>("Plain", (_, input) =>
            {
                Interlocked.Increment(ref plainRuns);
                return input;
            }));
        var clientHost = await StartClientAsync();
        var client = clientHost.Services.GetRequiredService<DurableTaskClient>();
        var id = await client.ScheduleNewOrchestrationInstanceAsync("Gated", cancellation: timeout.Token);
        await started.Task.WaitAsync(timeout.Token);

        // Hold the instance's row: the transaction that commits the activity's result (and the step the worker runs with
        // it) must update that row, so it waits for the lock with its first writes done.
        await using var holder = await OpenAdminConnectionAsync("holder", timeout.Token);
        await using var hold = await holder.BeginTransactionAsync(timeout.Token);
        await using (var lockRow = new NpgsqlCommand(
            $"SELECT 1 FROM {schema.Schema}.instances WHERE taskhub = $1 AND instanceid = $2 FOR UPDATE", holder, hold))
        {
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _taskHub });
            lockRow.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
            Assert.Equal(1, await lockRow.ExecuteScalarAsync(timeout.Token));
        }

        await using var admin = await OpenAdminConnectionAsync("admin", timeout.Token);
        release.SetResult();
        var (blocked, statement) = await WaitForBlockedBackendAsync(admin, holder.ProcessID, except: null, timeout.Token);
        await using (var terminate = new NpgsqlCommand("SELECT pg_terminate_backend($1)", admin))
        {
            terminate.Parameters.Add(new NpgsqlParameter<int> { TypedValue = blocked });
            Assert.Equal(true, await terminate.ExecuteScalarAsync(timeout.Token));
        }

        // The same transaction again, on a new connection, waiting for the same lock: then let it through.
        var (retried, _) = await WaitForBlockedBackendAsync(admin, holder.ProcessID, except: blocked, timeout.Token);
        await hold.CommitAsync(timeout.Token);

        var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("a,b", result.ReadOutputAs<string>());
        Assert.Equal(1, gatedRuns);
        Assert.Equal(1, plainRuns);
        var history = await client.GetOrchestrationHistoryAsync(id, timeout.Token);
        AssertEachTaskOnce(history, tasks: 2);
        await AssertWellFormedAsync(id, timeout.Token);
        output.WriteLine($"terminated backend {blocked} while it waited in \"{statement}\"; the store ran the transaction again on backend {retried}; " +
            $"activity runs {gatedRuns} + {plainRuns}, {history.Count} history events");
    }

    [Fact]
    public async Task An_activity_whose_lease_ran_out_while_it_ran_is_completed_by_another_worker_and_the_first_completion_is_refused()
    {
        using var timeout = new CancellationTokenSource(Guard);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refused = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var failedRenewals = 0;

        // The first worker's renewals never reach the database (as in a network partition): its lease runs out while its
        // activity still runs. Its one activity slot is taken by that activity, so the second worker claims it again.
        var first = PostgresFaultStore.Wrap(
            Store("first"),
            before: (member, _) =>
            {
                if (member == nameof(IPerdureStore.RenewActivityLeaseAsync))
                {
                    Interlocked.Increment(ref failedRenewals);
                    throw new TimeoutException("The renewal did not reach the database.");
                }

                return Task.CompletedTask;
            },
            after: (member, _, error) =>
            {
                if (member is nameof(IPerdureStore.CompleteActivityAsync) or nameof(IPerdureStore.CompleteActivityWithStepAsync))
                {
                    refused.TrySetResult(error);
                }
            });
        await StartWorkerAsync("first", first, r => r
            .AddOrchestratorFunc<object?, string>("Once", (ctx, _) => ctx.CallActivityAsync<string>("Work"))
            .AddActivityFunc<string>("Work", async _ =>
            {
                started.TrySetResult();
                await release.Task;
                return "first";
            }), o => o.Concurrency.MaximumConcurrentActivityWorkItems = 1);
        var clientHost = await StartClientAsync();
        var client = clientHost.Services.GetRequiredService<DurableTaskClient>();
        var id = await client.ScheduleNewOrchestrationInstanceAsync("Once", cancellation: timeout.Token);
        await started.Task.WaitAsync(timeout.Token);

        await StartWorkerAsync("second", Store("second"), r => r
            .AddOrchestratorFunc<object?, string>("Once", (ctx, _) => ctx.CallActivityAsync<string>("Work"))
            .AddActivityFunc<string>("Work", _ => "second"));
        var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal("second", result.ReadOutputAs<string>());

        release.SetResult();
        var error = await refused.Task.WaitAsync(timeout.Token);
        Assert.IsType<WorkItemLockLostException>(error);
        Assert.True(failedRenewals > 0);

        var after = await client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, after!.RuntimeStatus);
        Assert.Equal("second", after.ReadOutputAs<string>());
        var history = await client.GetOrchestrationHistoryAsync(id, timeout.Token);
        AssertEachTaskOnce(history, tasks: 1);
        Assert.Equal("\"second\"", Assert.Single(history.OfType<DtfHistory.TaskCompletedEvent>()).Result);
        await AssertWellFormedAsync(id, timeout.Token);
        output.WriteLine($"{failedRenewals} renewal(s) failed; the second worker ran and committed the activity; the first " +
            $"worker's late completion was refused: {error!.GetType().Name}; {history.Count} history events");
    }

    [Fact]
    public async Task A_step_committed_after_its_lease_ran_out_is_refused_and_the_step_of_the_worker_that_took_over_counts_once()
    {
        using var timeout = new CancellationTokenSource(Guard);
        var held = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var refused = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var runs = new System.Collections.Concurrent.ConcurrentDictionary<string, int>(StringComparer.Ordinal);

        // The first worker runs the first step, then stalls before its commit (a paused process) for longer than the
        // lease; its one orchestration slot is taken by that step, so the second worker claims the instance again.
        var holding = 0;
        var first = PostgresFaultStore.Wrap(
            Store("first"),
            before: (member, args) =>
            {
                if (member == nameof(IPerdureStore.CompleteOrchestrationAsync) && args[0] is OrchestrationWorkItem { HistoryLength: 0 }
                    && Interlocked.Exchange(ref holding, 1) == 0)
                {
                    held.SetResult();
                    return release.Task;
                }

                return Task.CompletedTask;
            },
            after: (member, args, error) =>
            {
                if (member == nameof(IPerdureStore.CompleteOrchestrationAsync) && args[0] is OrchestrationWorkItem { HistoryLength: 0 })
                {
                    refused.TrySetResult(error);
                }
            });
        void Tasks(DurableTaskRegistry r) => r
            .AddOrchestratorFunc<object?, string>("Steps", async (ctx, _) =>
                $"{await ctx.CallActivityAsync<string>("Plain", "a")},{await ctx.CallActivityAsync<string>("Plain", "b")}")
            .AddActivityFunc<string, string>("Plain", (_, input) =>
            {
                runs.AddOrUpdate(input, 1, (_, n) => n + 1);
                return input;
            });
        await StartWorkerAsync("first", first, Tasks, o => o.Concurrency.MaximumConcurrentOrchestrationWorkItems = 1);
        var clientHost = await StartClientAsync();
        var client = clientHost.Services.GetRequiredService<DurableTaskClient>();
        var id = await client.ScheduleNewOrchestrationInstanceAsync("Steps", cancellation: timeout.Token);
        await held.Task.WaitAsync(timeout.Token);

        await StartWorkerAsync("second", Store("second"), Tasks);
        var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal("a,b", result.ReadOutputAs<string>());

        release.SetResult();
        var error = await refused.Task.WaitAsync(timeout.Token);
        Assert.IsType<WorkItemLockLostException>(error);

        var after = await client.GetInstanceAsync(id, getInputsAndOutputs: true, timeout.Token);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, after!.RuntimeStatus);
        Assert.Equal("a,b", after.ReadOutputAs<string>());
        var history = await client.GetOrchestrationHistoryAsync(id, timeout.Token);
        AssertEachTaskOnce(history, tasks: 2);
        await AssertWellFormedAsync(id, timeout.Token);
        Assert.Equal(1, runs["a"]);
        Assert.Equal(1, runs["b"]);
        output.WriteLine($"the first worker's first step was held past its lease; the second worker ran it and the rest; the " +
            $"first worker's commit was refused: {error!.GetType().Name}; activities ran once each; {history.Count} history events");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        // A gate the test did not open leaves a step waiting: the hosts are stopped without waiting for it.
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        foreach (var host in _hosts)
        {
            await host.StopAsync(stopping.Token);
            host.Dispose();
        }

        foreach (var store in _stores)
        {
            await store.DisposeAsync();
        }
    }

    /// <summary>One start, one end, each scheduled activity's result consumed exactly once.</summary>
    private static void AssertEachTaskOnce(IList<DtfHistory.HistoryEvent> history, int tasks)
    {
        Assert.Single(history.OfType<DtfHistory.ExecutionStartedEvent>());
        Assert.Single(history.OfType<DtfHistory.ExecutionCompletedEvent>());
        var scheduled = history.OfType<DtfHistory.TaskScheduledEvent>().Select(e => e.EventId).Order().ToList();
        Assert.Equal(tasks, scheduled.Count);
        Assert.Equal(scheduled, history.OfType<DtfHistory.TaskCompletedEvent>().Select(e => e.TaskScheduledId).Order());
    }

    /// <summary>The stored history is one execution numbered 0, 1, 2, ... without gaps or repeats.</summary>
    private async Task AssertWellFormedAsync(string instanceId, CancellationToken cancellationToken)
    {
        await using var connection = await OpenAdminConnectionAsync("check", cancellationToken);
        await using var command = new NpgsqlCommand(
            $"SELECT count(DISTINCT executionid), count(*), min(sequencenumber), max(sequencenumber) FROM {schema.Schema}.history WHERE taskhub = $1 AND instanceid = $2",
            connection);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _taskHub });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instanceId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        Assert.True(await reader.ReadAsync(cancellationToken));
        Assert.Equal(1, reader.GetInt64(0));
        Assert.Equal(0, reader.GetInt64(2));
        Assert.Equal(reader.GetInt64(1) - 1, reader.GetInt64(3));
    }

    /// <summary>
    /// Waits until a backend of this test's workers is blocked by <paramref name="holder"/>, other than
    /// <paramref name="except"/>: its pid and the first line of its statement. pg_stat_activity cannot be waited on, so
    /// it is asked again until it says so, each time in a new snapshot (each ask is a round trip, which paces the loop);
    /// the token bounds it.
    /// </summary>
    private async Task<(int Pid, string Statement)> WaitForBlockedBackendAsync(
        NpgsqlConnection admin, int holder, int? except, CancellationToken cancellationToken)
    {
        await using var find = new NpgsqlCommand(
            "SELECT pid, split_part(query, E'\\n', 1) FROM pg_stat_activity WHERE application_name = $1 AND $2 = ANY(pg_blocking_pids(pid)) AND pid <> $3",
            admin);
        find.Parameters.Add(new NpgsqlParameter<string> { TypedValue = _applicationName + "_worker" });
        find.Parameters.Add(new NpgsqlParameter<int> { TypedValue = holder });
        find.Parameters.Add(new NpgsqlParameter<int> { TypedValue = except ?? 0 });
        while (true)
        {
            await using (var reader = await find.ExecuteReaderAsync(cancellationToken))
            {
                if (await reader.ReadAsync(cancellationToken))
                {
                    return (reader.GetInt32(0), reader.GetString(1));
                }
            }
        }
    }

    private PostgresStore Store(string role)
    {
        var options = schema.Options();
        options.ConnectionString = new NpgsqlConnectionStringBuilder(options.ConnectionString)
        {
            ApplicationName = _applicationName + (role == "client" ? "_client" : "_worker"),
        }.ConnectionString;
        var store = new PostgresStore(_taskHub, options);
        _stores.Add(store);
        return store;
    }

    private async Task<NpgsqlConnection> OpenAdminConnectionAsync(string role, CancellationToken cancellationToken)
    {
        var builder = new NpgsqlConnectionStringBuilder(PostgresDatabase.ReadConnectionString(
            Environment.GetEnvironmentVariable(PostgresDatabase.EnvironmentVariable)))
        {
            ApplicationName = $"{_applicationName}_{role}",
            Pooling = false,
        };
        var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        return connection;
    }

    private async Task<IHost> StartWorkerAsync(
        string name, IPerdureStore store, Action<DurableTaskRegistry> tasks, Action<Engine.PerdureWorkerOptions>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(tasks);
            b.UsePerdureStore((_, _) => store, o =>
            {
                o.TaskHub = _taskHub;
                o.WorkerId = name;
                o.LeaseDuration = ShortLease;
                configure?.Invoke(o);
            });
        });
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }

    private async Task<IHost> StartClientAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskClient(b => b.UsePerdureStore((_, _) => Store("client"), o => o.TaskHub = _taskHub));
        var host = builder.Build();
        _hosts.Add(host);
        await host.StartAsync();
        return host;
    }
}
