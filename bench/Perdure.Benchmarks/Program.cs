// Perdure.Benchmarks: prints the figures of DESIGN.md section 7 for one store, next to the disk's own limits measured in
// the same run. Figures are printed, never asserted; the run fails (exit code 1) only when a workload or a probe produces
// a wrong result.
using System.Globalization;
using Perdure.Benchmarks;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == WorkerProcess.Flag)
{
    return await WorkerProcess.RunAsync(args);
}

if (args.Contains("--help") || args.Contains("-h"))
{
    Console.WriteLine(BenchmarkOptions.Usage);
    return 0;
}

var options = BenchmarkOptions.Parse(args, out var error);
if (options is null)
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine(BenchmarkOptions.Usage);
    return 2;
}

var timeout = options.Quick ? TimeSpan.FromMinutes(2) : TimeSpan.FromMinutes(10);
const int W1WarmUpInstances = 50;
const int W1WarmUpRounds = 4;
const int W3WarmUpInstances = 20;
// Scale-out warms up as the in-process W1 does (--quick: one run of 50 instances).
var scaleOutWarmUpRounds = options.Quick ? 1 : W1WarmUpRounds;
var scaleOutWarmUpInstances = options.Quick ? W1WarmUpInstances : options.Instances;
const int W7ManyEntities = 1_000;

BenchStore created;
try
{
    created = BenchStore.Create(options);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine($"{ex.Message} (from {options.PostgresSource})");
    return 2;
}

using var store = created;
ServerSettings? serverSettings = null;
if (store.Postgres is { } postgresServer)
{
    try
    {
        serverSettings = postgresServer.ReadSettings();
    }
    catch (Npgsql.NpgsqlException ex)
    {
        Console.Error.WriteLine($"Cannot use the PostgreSQL server {postgresServer.Host}:{postgresServer.Port} that {options.PostgresSource} names: {ex.Message}");
        return 2;
    }
}

var statementFigures = serverSettings is not null && store.Postgres!.TryEnableStatements(serverSettings);
var dataFolderDisk = serverSettings?.DataDirectory is { } dataDirectory && store.Postgres!.IsLocal && Directory.Exists(dataDirectory)
    ? DiskInfo.Of(dataDirectory)
    : null;
var report = new Report
{
    Command = "dotnet run -c Release --project bench/Perdure.Benchmarks -- " + string.Join(' ', args),
    Machine = Machine.Describe(),
    LoadAtStart = Machine.LoadAverage(),
    Build = Machine.Configuration,
    Store = options.Store,
    Quick = options.Quick,
    Concurrency = options.Concurrency,
    DataFolder = store.Folder ?? serverSettings?.DataDirectory,
    Disk = store.Disk?.ToString() ?? dataFolderDisk?.ToString(),
    ServerSettings = serverSettings?.ToString(),
    StartedAt = DateTimeOffset.UtcNow,
};

Console.WriteLine($"Perdure benchmarks{(options.Quick ? " (--quick)" : string.Empty)}");
Console.WriteLine($"  machine : {report.Machine}");
Console.WriteLine($"  load    : {report.LoadAtStart} (1, 5, 15 min averages at start; other work on the machine skews the figures)");
Console.WriteLine($"  build   : {report.Build}");
if (store.IsSqlite)
{
    Console.WriteLine("  store   : sqlite, durable defaults (UseSqlite with no store option changed: WAL, synchronous=FULL, group commit);");
    Console.WriteLine("            worker and client in this process share the store; a fresh database file per measured run, deleted after it");
    Console.WriteLine($"  files   : {store.Folder}");
    Console.WriteLine($"  disk    : {store.Disk}" +
                      (store.Disk!.IsMemory ? "  WARNING: a memory file system, so commits never reach a disk; use --data on a real disk" : string.Empty));
}
else if (store.Postgres is { } server)
{
    Console.WriteLine("  store   : postgres, durable defaults (UsePostgres with no store option but the schema changed);");
    Console.WriteLine($"            a fresh schema per measured run, dropped after it; {server.PoolDescription(PostgresServer.InProcessPoolSize)} " +
                      "where worker and client share a process");
    Console.WriteLine($"  server  : {server.Host}:{server.Port}, database {server.Database} (from {options.PostgresSource}); {serverSettings}");
    Console.WriteLine($"  data    : {serverSettings!.DataDirectory ?? "unknown (this user may not read data_directory)"}" +
                      (dataFolderDisk is null ? (server.IsLocal ? string.Empty : " (a remote server: its disk is unknown)") : $", {dataFolderDisk}") +
                      (dataFolderDisk?.IsMemory == true ? "  WARNING: a memory file system, so commits never reach a disk" : string.Empty));
    if (statementFigures)
    {
        Console.WriteLine("  figures : pg_stat_statements is preloaded on the server: per-statement figures follow each W1 run (it costs a little time)");
    }

    foreach (var warning in serverSettings.NotDurable())
    {
        Console.WriteLine($"  WARNING : {warning}");
    }
}
else
{
    Console.WriteLine($"  store   : {options.Store}, a fresh task hub (and host) per measured run; no disk, so no limit probe");
}

Console.WriteLine($"  worker  : PerdureWorkerOptions.Concurrency.MaximumConcurrentOrchestrationWorkItems = {options.Concurrency}, " +
                  $"MaximumConcurrentActivityWorkItems = {options.Concurrency}" +
                  (args.Contains("--concurrency") ? string.Empty : " (the SDK's default)") + "; other options at their defaults");
Console.WriteLine();

var errors = new List<string>();

// The limit probe runs alone in the process, on the same folder as the databases, before the workloads and again after
// them: a shared disk's speed drifts, and the pair shows by how much.
if (store.IsSqlite || store.IsPostgres)
{
    Console.WriteLine($"Limit probe (start), {options.ProbeDuration.TotalSeconds:0} s each, " +
                      (store.IsSqlite ? $"in {store.Folder}" : "on the same server"));
    await ProbeAsync();
    Console.WriteLine();
}

// W1: many short chains.
if (options.Runs("w1"))
{
    Console.WriteLine($"W1 many short chains: {options.Instances:N0} instances x {W1ShortChains.StepsPerInstance} sequential activities, " +
                      $"{options.Repetitions} timed repetition(s) after {(options.Quick ? 1 : W1WarmUpRounds)} untimed warm-up run(s), each followed by a " +
                      "wait until the JIT has compiled nothing for 0.5 s");
}

var warmUp = options.Runs("w1") ? await WarmUpW1Async() : null;
errors.AddRange(warmUp?.Errors.Select(e => $"W1 warm-up: {e}") ?? []);
if (warmUp is { Errors.Count: 0 })
{
    for (var rep = 1; rep <= options.Repetitions; rep++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var load = Machine.LoadAverage();
        var run = await W1ShortChains.RunAsync(options, store, options.Instances, timeout, statementFigures) with { Load = load };
        report.W1Runs.Add(run);
        errors.AddRange(run.Errors.Select(e => $"W1: {e}"));
        Console.WriteLine($"  rep {rep}/{options.Repetitions}  hub {run.TaskHub,-16}  {run.Instances * W1ShortChains.StepsPerInstance,7:N0} steps " +
                          $"in {run.Elapsed.TotalSeconds,7:0.000} s  {run.StepsPerSecond,9:N0} steps/s  {run.InstancesPerSecond,8:N0} instances/s  " +
                          (store.IsSqlite ? $"file {run.FileBytes / 1024.0 / 1024.0,5:0.0} MB  " : string.Empty) +
                          (store.IsPostgres ? $"schema {run.FileBytes / 1024.0 / 1024.0,5:0.0} MB  " : string.Empty) +
                          $"load {load}  {CpuBusy(run)}" +
                          (run.Errors.Count == 0 ? "outputs verified" : $"{run.Errors.Count} WRONG"));
        PrintCounters(run);
        PrintStatements(run);
        if (run.Errors.Count > 0)
        {
            break;
        }
    }
}

// W2: fan-out/fan-in, a fresh store per repetition.
if (errors.Count == 0 && options.Runs("w2"))
{
    var activities = options.Quick ? 100 : 1_000;
    Console.WriteLine();
    Console.WriteLine($"W2 fan-out/fan-in: one instance calls {activities:N0} activities at once and sums their results, " +
                      $"{options.Repetitions} timed repetition(s), each on a fresh store; schedule to completion as the client sees it");
    for (var rep = 1; rep <= options.Repetitions && errors.Count == 0; rep++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var run = await W2FanOut.RunAsync(options, store, activities, timeout);
        report.W2Runs.Add(run);
        errors.AddRange(run.Errors.Select(e => $"W2: {e}"));
        Console.WriteLine($"  rep {rep}/{options.Repetitions}  {run.Activities:N0} activities in {run.Elapsed.TotalSeconds,7:0.000} s  " +
                          (run.Errors.Count == 0 ? "outputs verified" : "WRONG"));
    }
}

// W3: latency, only if W1 produced right outputs (a broken engine is not worth timing further).
if (errors.Count == 0 && options.Runs("w3"))
{
    Console.WriteLine();
    Console.WriteLine($"W3 latency: {options.W3Instances:N0} one-activity instances one after another on one fresh store, " +
                      $"after an untimed warm-up of {W3WarmUpInstances}; schedule to completion as the client sees it");
    GC.Collect();
    GC.WaitForPendingFinalizers();
    report.W3 = await W3Latency.RunAsync(options, store, W3WarmUpInstances, options.W3Instances, timeout);
    errors.AddRange(report.W3.Errors.Select(e => $"W3: {e}"));
    Console.WriteLine($"  {report.W3.Milliseconds.Count:N0} instances  p50 {report.W3.Percentile(50):0.00} ms  p95 {report.W3.Percentile(95):0.00} ms  " +
                      $"p99 {report.W3.Percentile(99):0.00} ms  max {report.W3.Max:0.00} ms  " +
                      (report.W3.Errors.Count == 0 ? "outputs verified" : $"{report.W3.Errors.Count} WRONG"));
}

// W4: event latency, events raced against durable timers that must never win.
if (errors.Count == 0 && options.Runs("w4"))
{
    var instances = options.Quick ? 100 : 1_000;
    Console.WriteLine();
    Console.WriteLine($"W4 events: {instances:N0} instances each wait for an event raced against a 30 s durable timer; event raised to " +
                      "completion as the client sees it, raised one at a time once all wait, then as one burst as instances start");
    GC.Collect();
    GC.WaitForPendingFinalizers();
    (report.W4, report.W4Burst) = await W4Events.RunAsync(options, store, instances, timeout);
    errors.AddRange(report.W4.Errors.Concat(report.W4Burst.Errors).Select(e => $"W4: {e}"));
    foreach (var (pass, w4) in new[] { ("one by one", report.W4), ("burst     ", report.W4Burst) })
    {
        Console.WriteLine($"  {pass}  {w4.Milliseconds.Count:N0} instances  p50 {w4.Percentile(50):0.00} ms  p99 {w4.Percentile(99):0.00} ms  " +
                          $"max {w4.Max:0.00} ms  " + (w4.WallSeconds is { } wall ? $"{w4.Milliseconds.Count / wall:N0} events/s over {wall:0.000} s  " : string.Empty) +
                          (w4.Errors.Count == 0 ? "outputs verified, no timer won" : $"{w4.Errors.Count} WRONG"));
    }
}

// W5: long history, warm steps with the cache, then cold ones without it.
if (errors.Count == 0 && options.Runs("w5"))
{
    var (steps, coldSteps) = options.Quick ? (1_000, 5) : (10_000, 10);
    Console.WriteLine();
    Console.WriteLine($"W5 long history: one instance calls {steps:N0} activities one after another (after an untimed warm-up instance), " +
                      $"then waits for an event that a second host with the cache off raises, and runs {coldSteps} more steps there, " +
                      "each replaying the whole history; a step is timed from one activity's start to the next one's");
    GC.Collect();
    GC.WaitForPendingFinalizers();
    report.W5 = await W5LongHistory.RunAsync(options, store, steps, coldSteps, timeout);
    errors.AddRange(report.W5.Errors.Select(e => $"W5: {e}"));
    if (report.W5.Errors.Count == 0)
    {
        Console.WriteLine("  per step (median of the 100 steps up to it): " +
                          string.Join("  ", report.W5.Lengths.Select(l => $"at {l:N0} {report.W5.MedianAt(l):0.000} ms")) +
                          $"  cold step at {steps:N0} steps ({report.W5.HistoryEvents:N0} history events): {report.W5.ColdMedian:0.000} ms " +
                          $"(each: {string.Join(", ", report.W5.ColdGaps.Select(g => g.ToString("0.0")))})  outputs verified");
    }

    // DESIGN's cold-replay target is about a history of 10,000 events, which a step count of about a third makes.
    if (!options.Quick && errors.Count == 0)
    {
        report.W5TenThousandEvents = await W5LongHistory.RunAsync(options, store, W5LongHistory.StepsForTenThousandEvents, coldSteps, timeout);
        errors.AddRange(report.W5TenThousandEvents.Errors.Select(e => $"W5 (10,000 events): {e}"));
        if (report.W5TenThousandEvents is { Errors.Count: 0 } tenThousand)
        {
            Console.WriteLine($"  cold step at {tenThousand.Steps:N0} steps ({tenThousand.HistoryEvents:N0} history events): {tenThousand.ColdMedian:0.000} ms " +
                              $"(each: {string.Join(", ", tenThousand.ColdGaps.Select(g => g.ToString("0.0")))})  outputs verified");
        }
    }
}

// W6: heap per idle instance, with the cache on and off.
if (errors.Count == 0 && options.Runs("w6"))
{
    var instances = options.Quick ? 500 : 10_000;
    Console.WriteLine();
    Console.WriteLine($"W6 memory: {instances:N0} instances each wait for an event; managed heap after full collections, before they " +
                      "start and once all run, over their count; with the cache on, then off, each on a fresh store");
    GC.Collect();
    GC.WaitForPendingFinalizers();
    report.W6 = await W6Memory.RunAsync(options, store, instances, timeout);
    errors.AddRange(report.W6.Errors.Select(e => $"W6: {e}"));
    if (report.W6.Errors.Count == 0)
    {
        Console.WriteLine($"  {instances:N0} idle instances  cache on {report.W6.BytesPerInstanceCached / 1024:0.00} KB each  " +
                          $"cache off {report.W6.BytesPerInstanceUncached / 1024:0.00} KB each  the cache's share " +
                          $"{report.W6.CacheBytesPerInstance / 1024:0.00} KB  outputs verified");
    }
}

// W7: entity operations, one entity and many.
if (errors.Count == 0 && options.Runs("w7"))
{
    var signals = options.Quick ? 500 : 5_000;
    Console.WriteLine();
    Console.WriteLine($"W7 entities: {signals:N0} client signals at once, to one counter entity and spread over {W7ManyEntities:N0}; " +
                      "timed until one orchestration has read every counter");
    foreach (var entities in new[] { 1, W7ManyEntities })
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        EntityRunResult run;
        try
        {
            run = await W7Entities.RunAsync(options, store, signals, entities, timeout);
        }
        catch (NotSupportedException ex) when (store.IsPostgres)
        {
            report.W7Skipped = $"skipped: the PostgreSQL store does not support entities in this build ({ex.Message})";
            Console.WriteLine($"  {report.W7Skipped}");
            break;
        }

        report.W7Runs.Add(run);
        errors.AddRange(run.Errors.Select(e => $"W7 ({entities} entities): {e}"));
        Console.WriteLine($"  {entities,5:N0} entit{(entities == 1 ? "y  " : "ies")}  {run.Signals:N0} signals in {run.Elapsed.TotalSeconds,7:0.000} s  " +
                          $"{run.OperationsPerSecond,9:N0} operations/s  " + (run.Errors.Count == 0 ? "outputs verified" : "WRONG"));
    }
}

// Scale-out: W1 with worker processes on one PostgreSQL schema each run, the benchmark process being only the client.
if (errors.Count == 0 && options.WorkerProcesses.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine($"W1 scale-out: {options.Instances:N0} instances x {W1ShortChains.StepsPerInstance} activities with " +
                      $"{string.Join(", ", options.WorkerProcesses)} worker process(es), {options.Repetitions} repetition(s) each; every run on a fresh schema " +
                      $"with fresh processes (concurrency {options.Concurrency} each, {store.Postgres!.PoolDescription(PostgresServer.WorkerPoolSize(options.WorkerProcesses.Max()))} " +
                      $"at {options.WorkerProcesses.Max()}), {scaleOutWarmUpRounds} untimed warm-up run(s) of {scaleOutWarmUpInstances:N0} instances " +
                      "each followed by a wait until the JIT has settled in every process, this process only the client");
    foreach (var workers in options.WorkerProcesses)
    {
        for (var rep = 1; rep <= options.Repetitions && errors.Count == 0; rep++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
            var load = Machine.LoadAverage();
            var scaled = await ScaleOut.RunAsync(options, store, workers, options.Instances, scaleOutWarmUpInstances, scaleOutWarmUpRounds, timeout);
            scaled = scaled with { Run = scaled.Run is null ? null : scaled.Run with { Load = load } };
            report.ScaleOutRuns.Add(scaled);
            errors.AddRange(scaled.Errors.Select(e => $"W1 with {workers} worker process(es): {e}"));
            if (scaled.Run is { } run)
            {
                Console.WriteLine($"  {workers} worker(s) rep {rep}/{options.Repetitions}  {run.Instances * W1ShortChains.StepsPerInstance,7:N0} steps " +
                                  $"in {run.Elapsed.TotalSeconds,7:0.000} s  {run.StepsPerSecond,9:N0} steps/s  {run.InstancesPerSecond,8:N0} instances/s  " +
                                  $"workers ready in {scaled.Startup.TotalSeconds:0.0} s  load {load}  {CpuBusy(run)}" +
                                  (scaled.Errors.Count == 0 ? "outputs verified" : $"{scaled.Errors.Count} WRONG"));
                PrintCounters(run);
            }
            else
            {
                Console.WriteLine($"  {workers} worker(s) rep {rep}/{options.Repetitions}  FAILED: {string.Join("; ", scaled.Errors.Take(3))}");
            }
        }
    }
}

if (store.IsSqlite || store.IsPostgres)
{
    Console.WriteLine();
    Console.WriteLine("Limit probe (end)");
    await ProbeAsync();
}

errors.AddRange(report.CommitProbes.Concat(report.FlushProbes).Concat(report.ConcurrentCommitProbes)
    .Where(p => p.Error is not null).Select(p => $"limit probe: {p.Error}"));
report.LoadAtEnd = Machine.LoadAverage();
report.Errors = errors;

Console.WriteLine();
if (errors.Count > 0)
{
    Console.WriteLine($"Benchmarks FAILED: {errors.Count} wrong result(s); the first ones:");
    foreach (var e in errors.Take(10))
    {
        Console.WriteLine($"  {e}");
    }

    WriteFiles();
    return 1;
}

foreach (var line in report.TableLines())
{
    Console.WriteLine(line);
}

Console.WriteLine();
Console.WriteLine($"  load at end: {report.LoadAtEnd}. Targets are DESIGN.md section 7's, for the 2-core development machine; printed, never asserted.");
WriteFiles();
Console.WriteLine($"Benchmarks OK: every output verified ({report.W1Runs.Count} W1 repetition(s), {report.W3?.Milliseconds.Count ?? 0} W3 instances" +
                  (report.ScaleOutRuns.Count > 0 ? $", {report.ScaleOutRuns.Count} scale-out run(s)" : string.Empty) +
                  (store.IsSqlite || store.IsPostgres ? ", limit probes at start and end" : string.Empty) + ").");
return 0;

// Untimed W1 runs (--quick: one short one), each followed by a wait until the JIT's background compilations are done:
// the timed runs then measure the steady state of a long-running worker. Each round prints how many methods it made the
// JIT compile; a new host compiles some of its own (dependency injection emits code per service provider), so the
// count does not reach zero. Measured: in memory the third round compiled 4 methods; on SQLite 500 and 140 in the
// third and fourth, with the fourth's time within 1 % of the fifth's.
async Task<RunResult> WarmUpW1Async()
{
    var instances = options.Quick ? W1WarmUpInstances : options.Instances;
    RunResult run = null!;
    for (var round = 1; round <= (options.Quick ? 1 : W1WarmUpRounds); round++)
    {
        var compiled = Jit.CompiledMethods;
        run = await W1ShortChains.RunAsync(options, store, instances, timeout);
        Console.WriteLine($"  warm-up {round}: {instances:N0} instances in {run.Elapsed.TotalSeconds:0.000} s ({run.StepsPerSecond:N0} steps/s), " +
                          $"{Jit.CompiledMethods - compiled:N0} methods compiled" + (run.Errors.Count == 0 ? string.Empty : $", {run.Errors.Count} WRONG"));
        if (round == 1)
        {
            report.W1FirstRun = run;
        }

        if (run.Errors.Count > 0)
        {
            break;
        }

        await Jit.SettledAsync();
    }

    return run;
}

async Task ProbeAsync()
{
    if (store.Postgres is { } server)
    {
        var one = await LimitProbe.MeasurePostgresCommitsAsync(server, 1, options.ProbeDuration);
        report.CommitProbes.Add(one);
        PrintProbe("one-row PostgreSQL commits, 1 connection (prepared INSERT in autocommit, one after another)", "commits/s", one);
        var many = await LimitProbe.MeasurePostgresCommitsAsync(server, report.ConcurrentConnections, options.ProbeDuration);
        report.ConcurrentCommitProbes.Add(many);
        PrintProbe($"one-row PostgreSQL commits, {report.ConcurrentConnections} connections at once (a store's write connections, " +
                   "PostgresStoreOptions.WriteConnections), in total", "commits/s", many);
        if (dataFolderDisk is null)
        {
            Console.WriteLine($"  flushes/s of the server's disk: unknown ({(server.IsLocal ? "its data folder cannot be read" : "a remote server")})");
            return;
        }

        // Next to the data folder (not in it: that is the server's), on the same file system.
        var scratch = Path.Combine(Path.GetDirectoryName(serverSettings!.DataDirectory!.TrimEnd('/'))!, $"perdure-bench-flushes-{Environment.ProcessId}.bin");
        try
        {
            var serverFlushes = LimitProbe.MeasureFlushes(scratch, options.ProbeDuration);
            report.FlushProbes.Add(serverFlushes);
            PrintProbe($"flushes of the server's disk (append 100 bytes + fsync, next to its data folder, {dataFolderDisk.Device})", "flushes/s", serverFlushes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            Console.WriteLine($"  flushes/s of the server's disk: unknown (cannot write next to its data folder: {ex.Message})");
        }

        return;
    }

    var commits = LimitProbe.MeasureSqliteCommits(store, options.ProbeDuration);
    report.CommitProbes.Add(commits);
    PrintProbe("one-row commits (Microsoft.Data.Sqlite, WAL, synchronous=FULL, one INSERT per transaction)", "commits/s", commits);
    var flushes = LimitProbe.MeasureFlushes(store, options.ProbeDuration);
    report.FlushProbes.Add(flushes);
    PrintProbe("flushes (append 100 bytes + fsync, FileStream.Flush(flushToDisk: true))", "flushes/s", flushes);
}

// How busy the machine's cores were during the run (every process: client, workers, database server, anything else).
static string CpuBusy(RunResult run) =>
    run.CpuBusy is { } busy ? $"cpu {busy * 100:0}% of {Environment.ProcessorCount} cores  " : string.Empty;

void PrintCounters(RunResult run)
{
    // /proc/stat counts in 10 ms ticks: a run that kept the cores busy for less than half a second gets no split.
    if (run.MachineCpuSeconds is { } machine && machine >= 0.5)
    {
        // Per step, where the machine's CPU went: this process, the worker processes, and every other process (on the
        // development machine the database server, for PostgreSQL; the windows differ slightly, so a small remainder is noise).
        var steps = run.Instances * W1ShortChains.StepsPerInstance;
        var workers = run.WorkerCpuSeconds ?? 0;
        var rest = Math.Max(0, machine - run.ProcessCpuSeconds - workers);
        Console.WriteLine($"      per step, cpu: {machine * 1e6 / steps:N0} µs in all; this process {run.ProcessCpuSeconds * 1e6 / steps:N0}" +
                          (run.WorkerCpuSeconds is null ? string.Empty : $", worker processes {workers * 1e6 / steps:N0}") +
                          $", other processes (a local database server) {rest * 1e6 / steps:N0}");
    }

    if (run.Server is { } server)
    {
        Console.WriteLine($"      per step, server: {server.PerStep(run.CountedSteps)}" +
                          (run.Commands is { } commands ? $"; this process sent {commands / (double)run.CountedSteps:0.00} commands or batches" : string.Empty));
        if (!string.IsNullOrEmpty(run.TableReads))
        {
            Console.WriteLine($"      per step, rows read from the run's tables (and inserted/updated/deleted): {run.TableReads}");
        }
    }
}

void PrintStatements(RunResult run)
{
    if (run.Statements is not { Count: > 0 } statements)
    {
        return;
    }

    var total = statements.Sum(s => s.TotalMilliseconds);
    Console.WriteLine($"      statements with the most server time (pg_stat_statements; per step; a COMMIT's WAL flush is not in its time):");
    foreach (var statement in statements)
    {
        Console.WriteLine($"        {statement.Calls / (double)run.CountedSteps,6:0.00} calls {statement.TotalMilliseconds * 1000 / statement.Calls,8:0} us each " +
                          $"{statement.TotalMilliseconds / total,5:P0}  {statement.Rows / (double)statement.Calls,6:0.0} rows  {statement.Query}");
    }
}

void PrintProbe(string what, string unit, ProbeResult probe) =>
    Console.WriteLine(probe.Error is null
        ? $"  {probe.PerSecond,9:N0} {unit,-10} {probe.MeanMilliseconds,6:0.000} ms each ({probe.Count:N0} in {probe.Elapsed.TotalSeconds:0.00} s)  {what}"
        : $"  WRONG: {probe.Error}");

void WriteFiles()
{
    if (options.OutFolder is null)
    {
        return;
    }

    var (json, markdown) = report.Write(options.OutFolder);
    Console.WriteLine($"  results written to {json} and {markdown}");
}

