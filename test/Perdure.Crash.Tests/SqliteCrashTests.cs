using System.Diagnostics;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.CrashWorker;
using Xunit.Abstractions;
using DtfHistory = DurableTask.Core.History;

namespace Perdure.Crash.Tests;

/// <summary>
/// Runs a worker in a child process on a SQLite file, kills it with SIGKILL at random moments, restarts it, and checks
/// that every instance finished correctly, that no committed step ran again, that every history is well formed, and
/// that counter entities (called, signalled and locked by orchestrations, signalled by a client in another process)
/// count every committed operation exactly once.
/// </summary>
public sealed class SqliteCrashTests(ITestOutputHelper output) : IDisposable
{
    private const int Kills = 4;

    /// <summary>Client signals to each counter before the first kill and after each restart.</summary>
    private const int SignalsPerRound = 5;
    private readonly string _dir = Directory.CreateTempSubdirectory("perdure-crash-").FullName;

    [Fact]
    public async Task Killing_the_worker_at_random_moments_loses_no_committed_step()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}, folder {_dir}");
        var random = new Random(seed);
        var db = Path.Combine(_dir, "crash.db");
        var log = Path.Combine(_dir, "executions.log");
        File.WriteAllText(log, string.Empty);

        var incarnation = 1;
        var worker = await StartWorkerAsync(db, incarnation, log);
        using var clientHost = BuildClientHost(db);
        await clientHost.StartAsync();
        var client = clientHost.Services.GetRequiredService<DurableTaskClient>();

        var instances = new List<(string Id, string Kind)>();
        foreach (var (kind, count) in new[] { ("Chain", 20), ("FanOut", 10), ("Timer", 10), ("Event", 10), ("Count", 10) })
        {
            for (var i = 0; i < count; i++)
            {
                var id = $"{kind.ToLowerInvariant()}-{i}";
                await client.ScheduleNewOrchestrationInstanceAsync(kind, new Microsoft.DurableTask.StartOrchestrationOptions { InstanceId = id });
                instances.Add((id, kind));
            }
        }

        foreach (var (id, _) in instances.Where(i => i.Kind == "Event"))
        {
            await client.RaiseEventAsync(id, "go", "go");
        }

        // Each signal the client sends is committed when the call returns, so each must count exactly once.
        var clientSignals = 0;
        async Task SignalCountersAsync()
        {
            for (var i = 0; i < SignalsPerRound; i++)
            {
                await client.Entities.SignalEntityAsync(CrashWorkload.CounterA, "add", 1);
                await client.Entities.SignalEntityAsync(CrashWorkload.CounterB, "add", 1);
                clientSignals++;
            }
        }

        using var allDone = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        var completion = Task.WhenAll(instances.Select(i => client.WaitForInstanceCompletionAsync(i.Id, getInputsAndOutputs: true, allDone.Token)));
        for (var kill = 0; kill < Kills && !completion.IsCompleted; kill++)
        {
            await SignalCountersAsync();
            var threshold = CountLines(log) + random.Next(3, 40);
            await Task.WhenAny(WaitForLinesAsync(log, threshold, allDone.Token), completion);
            Kill(worker);
            output.WriteLine($"killed incarnation {incarnation} at {CountLines(log)} executions");
            worker = await StartWorkerAsync(db, ++incarnation, log);
        }

        await SignalCountersAsync();
        var results = await completion;

        // Every signal and every "Count" orchestration committed before this call, so the counters serve it last.
        var read = await client.ScheduleNewOrchestrationInstanceAsync("ReadCounters");
        var counters = (await client.WaitForInstanceCompletionAsync(read, getInputsAndOutputs: true, allDone.Token)).ReadOutputAs<int[]>();
        var stored = await client.Entities.GetEntityAsync<int>(CrashWorkload.CounterA, cancellation: allDone.Token);
        Kill(worker);

        foreach (var ((id, kind), result) in instances.Zip(results))
        {
            Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
            Assert.Equal(CrashWorkload.ExpectedOutput(kind, id), result.ReadOutputAs<string>());
        }

        var expected = (instances.Count(i => i.Kind == "Count") * CrashWorkload.AddedPerCount) + clientSignals;
        Assert.NotNull(counters);
        Assert.Equal([expected, expected], counters);
        Assert.NotNull(stored);
        Assert.Equal(expected, stored.State);
        Assert.Equal(0, stored.BacklogQueueSize);

        var executions = File.ReadAllLines(log)
            .Select(l => l.Split(' '))
            .GroupBy(p => p[0], p => int.Parse(p[1], System.Globalization.CultureInfo.InvariantCulture))
            .ToDictionary(g => g.Key, g => g.ToList());
        var reruns = 0;
        foreach (var (id, kind) in instances)
        {
            AssertWellFormed(db, id);
            var history = await client.GetOrchestrationHistoryAsync(id);
            if (kind == "Count")
            {
                // No activity steps to check; the entity calls and signals show as events sent to the two counters.
                Assert.Contains(history.OfType<DtfHistory.EventSentEvent>(), e => e.InstanceId == CrashWorkload.CounterA.ToString());
                continue;
            }

            foreach (var completed in history.OfType<DtfHistory.TaskCompletedEvent>())
            {
                var committed = JsonSerializer.Deserialize<string>(completed.Result)!;
                var at = committed.LastIndexOf('@');
                var step = committed[..at];
                var committedIn = int.Parse(committed[(at + 1)..], System.Globalization.CultureInfo.InvariantCulture);
                var ranIn = executions[step];

                // At least once: the committed execution happened. Never after the commit, and once per process.
                Assert.Contains(committedIn, ranIn);
                Assert.All(ranIn, inc => Assert.True(inc <= committedIn, $"step {step} ran in incarnation {inc} after its result from {committedIn} was committed"));
                Assert.Equal(ranIn.Count, ranIn.Distinct().Count());
                reruns += ranIn.Count - 1;
            }
        }

        // At least once for operations of a batch in flight at a kill (rolled back with it), exactly once in the counters.
        var operations = executions[CrashWorkload.CounterA.ToString()].Count + executions[CrashWorkload.CounterB.ToString()].Count;
        Assert.True(operations >= 2 * expected, $"{operations} counter operations ran, fewer than the {2 * expected} counted");
        output.WriteLine(
            $"{incarnation} incarnations, {executions.Values.Sum(v => v.Count)} executions, {reruns} re-run(s) of steps in flight at a kill, " +
            $"counters at {expected} each after {operations} operations ({operations - (2 * expected)} re-run in rolled-back batches)");
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // A killed process may still hold a file for a moment; the temp folder is cleaned by the system.
        }
    }

    private static IHost BuildClientHost(string db)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskClient(b => b.UseSqlite($"Data Source={db}", o => o.TaskHub = CrashWorkload.TaskHub));
        return builder.Build();
    }

    private static void AssertWellFormed(string db, string instanceId)
    {
        using var connection = new SqliteConnection($"Data Source={db};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT ExecutionId, SequenceNumber FROM History WHERE TaskHub = $hub AND InstanceId = $id ORDER BY ExecutionId, SequenceNumber";
        command.Parameters.AddWithValue("$hub", CrashWorkload.TaskHub);
        command.Parameters.AddWithValue("$id", instanceId);
        using var reader = command.ExecuteReader();
        var sequence = new List<long>();
        string? execution = null;
        while (reader.Read())
        {
            execution ??= reader.GetString(0);
            Assert.Equal(execution, reader.GetString(0));
            sequence.Add(reader.GetInt64(1));
        }

        Assert.NotEmpty(sequence);
        Assert.Equal(Enumerable.Range(0, sequence.Count).Select(i => (long)i), sequence);
    }

    private static Task<Process> StartWorkerAsync(string db, int incarnation, string log) =>
        CrashWorkers.StartAsync([db, incarnation.ToString(System.Globalization.CultureInfo.InvariantCulture), log]);

    private static void Kill(Process process) => CrashWorkers.Kill(process);

    private static int CountLines(string path) => CrashWorkers.CountLines(path);

    private static Task WaitForLinesAsync(string path, int lines, CancellationToken cancellationToken) =>
        CrashWorkers.WaitForLinesAsync(path, lines, cancellationToken);
}
