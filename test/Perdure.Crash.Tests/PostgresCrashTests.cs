using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Perdure.CrashWorker;
using Perdure.Testing;
using Xunit.Abstractions;
using DtfHistory = DurableTask.Core.History;

namespace Perdure.Crash.Tests;

/// <summary>
/// Three worker processes on one PostgreSQL database (a schema of the test's own) and a client in the test process: one
/// worker is killed with SIGKILL mid-run, or the server restarts under all of them. Every instance must finish with its
/// exact output, every step must be committed once (one result per scheduled activity in a well-formed history), and
/// steps may run again only where a fault caught them in flight. Counter entities, called, signalled and locked by
/// orchestrations and signalled by the client, must count every committed operation exactly once.
/// </summary>
public sealed class PostgresCrashTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const int Workers = 3;
    private const int Kills = 3;

    /// <summary>Client signals to each counter at the start and after each fault.</summary>
    private const int SignalsPerRound = 5;
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(90);

    private readonly string _dir = Directory.CreateTempSubdirectory("perdure-pgcrash-").FullName;
    private readonly string _schema = "perdure_crash_" + Guid.NewGuid().ToString("N");
    private readonly string _applicationName = "perdure_crash_" + Guid.NewGuid().ToString("N");
    private readonly Dictionary<int, Process> _workers = [];
    private RestartablePostgres? _server;
    private string? _sharedServer;
    private int _clientSignals;

    /// <summary>
    /// Each worker logs to a file of its own: .NET appends without O_APPEND, so processes appending to one file at once
    /// overwrite each other's lines.
    /// </summary>
    private const string Logs = "executions-*.log";

    private string LogOf(int incarnation) => Path.Combine(_dir, $"executions-{incarnation}.log");

    private int Executed() => Directory.GetFiles(_dir, Logs).Sum(CrashWorkers.CountLines);

    private List<(string Id, int Incarnation)> ReadLogs() => Directory.GetFiles(_dir, Logs).SelectMany(CrashWorkers.ReadLog).ToList();

    /// <summary>The worker whose log was written last.</summary>
    private int LastLogged() => Directory.GetFiles(_dir, Logs)
        .Select(f => (Incarnation: int.Parse(Path.GetFileNameWithoutExtension(f)["executions-".Length..], CultureInfo.InvariantCulture), Written: File.GetLastWriteTimeUtc(f)))
        .MaxBy(f => f.Written).Incarnation;

    private string WorkerErrors(int incarnation) => Path.Combine(_dir, $"worker-{incarnation}.log");

    private int WorkerLogCount(int incarnation, string text) =>
        File.Exists(WorkerErrors(incarnation)) ? File.ReadLines(WorkerErrors(incarnation)).Count(l => l.Contains(text, StringComparison.Ordinal)) : 0;

    /// <summary>The warnings and errors a worker logged that mention <paramref name="text"/>, for failure messages.</summary>
    private string WorkerLogLines(int incarnation, string text) =>
        File.Exists(WorkerErrors(incarnation))
            ? string.Join(" | ", File.ReadLines(WorkerErrors(incarnation)).Where(l => l.Contains(text, StringComparison.Ordinal)).Take(5))
            : "(nothing logged)";

    [Fact]
    public async Task Three_workers_on_one_database_commit_every_step_once_when_one_is_killed_with_SIGKILL_mid_run()
    {
        var seed = Environment.TickCount;
        var random = new Random(seed);
        output.WriteLine($"seed {seed}, schema {_schema}");
        var connectionString = _sharedServer = WorkerConnectionString(TestPostgres.ConnectionString);
        using var clientHost = await StartClientAsync(connectionString);
        var client = clientHost.Services.GetRequiredService<DurableTaskClient>();
        using var allDone = new CancellationTokenSource(Guard);

        // Everything is scheduled before the workers start, so the kills fall in the middle of the run.
        var instances = await ScheduleAsync(client, allDone.Token);
        await RaiseGoAsync(client, instances, allDone.Token);
        await SignalCountersAsync(client, allDone.Token);
        await StartWorkersAsync(connectionString, Enumerable.Range(1, Workers));
        var completion = WaitForAllAsync(client, instances, allDone.Token);

        var killed = new SortedSet<int>();
        var incarnation = Workers;
        for (var kill = 0; kill < Kills && !completion.IsCompleted; kill++)
        {
            var threshold = Executed() + random.Next(10, 60);
            await Task.WhenAny(CrashWorkers.WaitForLinesAsync(_dir, Logs, threshold, allDone.Token), completion);
            if (completion.IsCompleted)
            {
                break;
            }

            // The worker that logged last is running a step right now: kill that one.
            var last = LastLogged();
            var victim = _workers.ContainsKey(last) ? last : _workers.Keys.ElementAt(random.Next(_workers.Count));
            CrashWorkers.Kill(_workers[victim]);
            _workers.Remove(victim);
            killed.Add(victim);
            output.WriteLine($"killed incarnation {victim} at {Executed()} executions");
            await SignalCountersAsync(client, allDone.Token);
            await StartWorkersAsync(connectionString, [++incarnation]);
        }

        var results = await completion;
        Assert.NotEmpty(killed);

        var (executions, reruns) = await VerifyAsync(client, connectionString, instances, results, killed);
        var counters = await VerifyCountersAsync(client, instances, allDone.Token);
        var leasesLost = Enumerable.Range(1, incarnation).Sum(i => WorkerLogCount(i, "was lost"));
        output.WriteLine(
            $"{incarnation} incarnations ({Workers} at a time, {string.Join(", ", killed)} killed), {executions} executions, " +
            $"{reruns} re-run(s) of steps in flight at a kill, {leasesLost} lease(s) lost, {instances.Count} instances " +
            $"completed exactly once per step, {counters}");
    }

    [Fact]
    public async Task Work_in_flight_while_the_database_restarts_completes_exactly_once_without_restarting_the_workers()
    {
        _server = await RestartablePostgres.StartAsync(_applicationName, output);
        var connectionString = WorkerConnectionString(_server.ConnectionString);
        if (!_server.RestartsServer)
        {
            _sharedServer = connectionString;
        }

        using var clientHost = await StartClientAsync(connectionString);
        var client = clientHost.Services.GetRequiredService<DurableTaskClient>();
        using var allDone = new CancellationTokenSource(Guard);

        // The "Event" instances wait for an event raised only after the restart: work that must happen afterwards.
        var instances = await ScheduleAsync(client, allDone.Token);
        await SignalCountersAsync(client, allDone.Token);
        await StartWorkersAsync(connectionString, Enumerable.Range(1, Workers));
        await CrashWorkers.WaitForLinesAsync(_dir, Logs, 40, allDone.Token);

        var before = Executed();
        var restarting = Stopwatch.StartNew();
        var terminated = await _server.RestartAsync(allDone.Token);
        output.WriteLine(_server.RestartsServer
            ? $"restarted the server (pg_ctl restart -m immediate) at {before} executions, in {restarting.Elapsed.TotalSeconds:0.0} s"
            : $"terminated {terminated} backends of the workers and the client at {before} executions");

        // The client waits from here: a call under way while the server is down fails once the store's retries are
        // used up, as any database client's would; the workers must get through that by themselves.
        await RaiseGoAsync(client, instances, allDone.Token);
        await SignalCountersAsync(client, allDone.Token);
        var results = await WaitForAllAsync(client, instances, allDone.Token);

        Assert.All(_workers.Values, w => Assert.False(w.HasExited, "a worker process exited: it should have recovered by itself"));
        var log = ReadLogs();
        Assert.All(log, l => Assert.InRange(l.Incarnation, 1, Workers));
        Assert.True(log.Count > before, "no step ran after the restart");
        var (executions, reruns) = await VerifyAsync(client, connectionString, instances, results, killed: null);
        var counters = await VerifyCountersAsync(client, instances, allDone.Token);
        output.WriteLine(
            $"{Workers} workers, none restarted, {executions} activity executions ({log.Count - before} of {log.Count} logged executions and entity operations after the restart), " +
            $"{reruns} re-run(s) of steps in flight at the restart, {instances.Count} instances completed exactly once per step, {counters}");
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var worker in _workers.Values)
        {
            CrashWorkers.Kill(worker);
        }

        _workers.Clear();
        if (_sharedServer is not null)
        {
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_sharedServer) { Pooling = false }.ConnectionString);
            await connection.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {_schema} CASCADE", connection);
            await drop.ExecuteNonQueryAsync();
        }

        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may still hold a file for a moment; the temp folder is cleaned by the system.
        }
    }

    /// <summary>The instances of the run: chains, fan-outs, timers and event waits (no "go" raised yet).</summary>
    private static async Task<List<(string Id, string Kind)>> ScheduleAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        var instances = new List<(string Id, string Kind)>();
        foreach (var (kind, count) in new[] { ("Chain", 20), ("FanOut", 10), ("Timer", 8), ("Event", 8), ("Count", 8) })
        {
            for (var i = 0; i < count; i++)
            {
                var id = $"{kind.ToLowerInvariant()}-{i}";
                await client.ScheduleNewOrchestrationInstanceAsync(kind, new StartOrchestrationOptions { InstanceId = id }, cancellationToken);
                instances.Add((id, kind));
            }
        }

        return instances;
    }

    private static async Task RaiseGoAsync(DurableTaskClient client, List<(string Id, string Kind)> instances, CancellationToken cancellationToken)
    {
        foreach (var (id, _) in instances.Where(i => i.Kind == "Event"))
        {
            await client.RaiseEventAsync(id, "go", "go", cancellationToken);
        }
    }

    private static Task<OrchestrationMetadata[]> WaitForAllAsync(
        DurableTaskClient client, List<(string Id, string Kind)> instances, CancellationToken cancellationToken) =>
        Task.WhenAll(instances.Select(i => client.WaitForInstanceCompletionAsync(i.Id, getInputsAndOutputs: true, cancellationToken)));

    /// <summary>Signals each counter a few times from the client; each signal is committed when the call returns, so each must count once.</summary>
    private async Task SignalCountersAsync(DurableTaskClient client, CancellationToken cancellationToken)
    {
        for (var i = 0; i < SignalsPerRound; i++)
        {
            await client.Entities.SignalEntityAsync(CrashWorkload.CounterA, "add", 1, cancellation: cancellationToken);
            await client.Entities.SignalEntityAsync(CrashWorkload.CounterB, "add", 1, cancellation: cancellationToken);
            _clientSignals++;
        }
    }

    /// <summary>
    /// The counters count every committed operation once: every "Count" instance's and every client signal. Operations
    /// of a batch a fault rolled back ran again, so more may have run than counted, never fewer.
    /// </summary>
    private async Task<string> VerifyCountersAsync(DurableTaskClient client, List<(string Id, string Kind)> instances, CancellationToken cancellationToken)
    {
        // Every signal and every "Count" instance committed before this call, so the counters serve it last.
        var read = await client.ScheduleNewOrchestrationInstanceAsync("ReadCounters", cancellationToken);
        var counters = (await client.WaitForInstanceCompletionAsync(read, getInputsAndOutputs: true, cancellationToken)).ReadOutputAs<int[]>();
        var stored = await client.Entities.GetEntityAsync<int>(CrashWorkload.CounterA, cancellation: cancellationToken);
        var expected = (instances.Count(i => i.Kind == "Count") * CrashWorkload.AddedPerCount) + _clientSignals;
        Assert.NotNull(counters);
        Assert.Equal([expected, expected], counters);
        Assert.NotNull(stored);
        Assert.Equal(expected, stored.State);
        Assert.Equal(0, stored.BacklogQueueSize);

        var operations = ReadLogs().Count(l => l.Id == CrashWorkload.CounterA.ToString() || l.Id == CrashWorkload.CounterB.ToString());
        Assert.True(operations >= 2 * expected, $"{operations} counter operations ran, fewer than the {2 * expected} counted");
        return $"counters at {expected} each after {operations} operations ({operations - (2 * expected)} re-run in rolled-back batches)";
    }

    /// <summary>
    /// Checks outputs and histories; returns how many executions there were and how many of them were re-runs. With
    /// <paramref name="killed"/>, an execution whose result was not committed must have run in a killed process.
    /// </summary>
    private async Task<(int Executions, int Reruns)> VerifyAsync(
        DurableTaskClient client, string connectionString, List<(string Id, string Kind)> instances,
        OrchestrationMetadata[] results, SortedSet<int>? killed)
    {
        foreach (var ((id, kind), result) in instances.Zip(results))
        {
            Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
            Assert.Equal(CrashWorkload.ExpectedOutput(kind, id), result.ReadOutputAs<string>());
        }

        var log = ReadLogs();
        var steps = log.Where(l => !l.Id.StartsWith('@')).ToList();
        var executions = steps.GroupBy(l => l.Id, l => l.Incarnation).ToDictionary(g => g.Key, g => g.ToList());
        var committedSteps = new HashSet<string>();
        var reruns = 0;
        await using var database = new NpgsqlConnection(
            new NpgsqlConnectionStringBuilder(connectionString) { SearchPath = _schema, Pooling = false }.ConnectionString);
        await database.OpenAsync();
        foreach (var (id, kind) in instances)
        {
            await AssertWellFormedAsync(database, id);
            var history = await client.GetOrchestrationHistoryAsync(id);
            Assert.Single(history.OfType<DtfHistory.ExecutionStartedEvent>());
            Assert.Single(history.OfType<DtfHistory.ExecutionCompletedEvent>());
            var scheduled = history.OfType<DtfHistory.TaskScheduledEvent>().Select(e => e.EventId).Order().ToList();
            var completed = history.OfType<DtfHistory.TaskCompletedEvent>().ToList();
            Assert.Equal(kind switch { "Chain" => 5, "FanOut" => 10, "Count" => 0, _ => 2 }, scheduled.Count);

            // Each scheduled activity's result was consumed exactly once.
            Assert.Equal(scheduled, completed.Select(e => e.TaskScheduledId).Order());
            Assert.Empty(history.OfType<DtfHistory.TaskFailedEvent>());
            if (kind == "Event")
            {
                Assert.Single(history.OfType<DtfHistory.EventRaisedEvent>());
            }

            if (kind == "Count")
            {
                // No activity steps; the entity calls and signals show as events sent to the two counters.
                Assert.Contains(history.OfType<DtfHistory.EventSentEvent>(), e => e.InstanceId == CrashWorkload.CounterA.ToString());
                Assert.Contains(history.OfType<DtfHistory.EventSentEvent>(), e => e.InstanceId == CrashWorkload.CounterB.ToString());
            }

            if (kind == "Timer")
            {
                Assert.Single(history.OfType<DtfHistory.TimerCreatedEvent>());
                Assert.Single(history.OfType<DtfHistory.TimerFiredEvent>());
            }

            foreach (var result in completed)
            {
                var committed = JsonSerializer.Deserialize<string>(result.Result)!;
                var at = committed.LastIndexOf('@');
                var step = committed[..at];
                var committedIn = int.Parse(committed[(at + 1)..], CultureInfo.InvariantCulture);
                Assert.True(committedSteps.Add(step), $"step {step} was committed twice");
                var ranIn = executions[step];
                Assert.Contains(committedIn, ranIn);
                if (killed is not null)
                {
                    // A worker that was not killed keeps its leases: only a killed one's executions may have gone uncommitted,
                    // and no process runs a step twice.
                    Assert.True(
                        ranIn.Count == ranIn.Distinct().Count(),
                        $"step {step} ran in incarnations {string.Join(", ", ranIn)}, {committedIn} committed it; they logged: " +
                        string.Join("; ", ranIn.Distinct().Select(inc => $"{inc}: {WorkerLogLines(inc, id)}")));
                    var uncommitted = ranIn.ToList();
                    uncommitted.Remove(committedIn);
                    Assert.All(uncommitted, inc => Assert.True(
                        killed.Contains(inc),
                        $"step {step} ran in incarnation {inc}, which was not killed, and {committedIn} committed it; incarnation {inc} logged: " +
                        WorkerLogLines(inc, id)));
                }

                reruns += ranIn.Count - 1;
            }
        }

        // Nothing ran that no instance asked for.
        Assert.Equal(committedSteps.Order(StringComparer.Ordinal), executions.Keys.Order(StringComparer.Ordinal));
        return (steps.Count, reruns);
    }

    private static async Task AssertWellFormedAsync(NpgsqlConnection database, string instanceId)
    {
        await using var command = new NpgsqlCommand(
            "SELECT ExecutionId, SequenceNumber FROM History WHERE TaskHub = $1 AND InstanceId = $2 ORDER BY ExecutionId, SequenceNumber",
            database);
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = CrashWorkload.TaskHub });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = instanceId });
        await using var reader = await command.ExecuteReaderAsync();
        var sequence = new List<long>();
        string? execution = null;
        while (await reader.ReadAsync())
        {
            execution ??= reader.GetString(0);
            Assert.Equal(execution, reader.GetString(0));
            sequence.Add(reader.GetInt64(1));
        }

        Assert.NotEmpty(sequence);
        Assert.Equal(Enumerable.Range(0, sequence.Count).Select(i => (long)i), sequence);
    }

    private async Task StartWorkersAsync(string connectionString, IEnumerable<int> incarnations)
    {
        var started = await Task.WhenAll(incarnations.Select(async i => (i, await CrashWorkers.StartAsync(
            ["postgres", connectionString, _schema, i.ToString(CultureInfo.InvariantCulture), LogOf(i)], WorkerErrors(i)))));
        foreach (var (incarnation, process) in started)
        {
            _workers[incarnation] = process;
        }
    }

    private async Task<IHost> StartClientAsync(string connectionString)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskClient(b => b.UsePostgres(connectionString, o => o.TaskHub = CrashWorkload.TaskHub, o => o.Schema = _schema));
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    /// <summary>Small pools (the server allows 100 connections, shared with tests running in parallel); one application name to find them by.</summary>
    private string WorkerConnectionString(string server) =>
        new NpgsqlConnectionStringBuilder(server) { ApplicationName = _applicationName, MaxPoolSize = 8 }.ConnectionString;
}
