// Perdure.Benchmarks: prints the figures of DESIGN.md section 7 for one store, next to the disk's own limits measured in
// the same run. Figures are printed, never asserted; the run fails (exit code 1) only when a workload or a probe produces
// a wrong result.
using System.Globalization;
using Perdure.Benchmarks;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
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
const int W3WarmUpInstances = 20;
const int W7ManyEntities = 1_000;

using var store = BenchStore.Create(options);
var report = new Report
{
    Command = "dotnet run -c Release --project bench/Perdure.Benchmarks -- " + string.Join(' ', args),
    Machine = Machine.Describe(),
    LoadAtStart = Machine.LoadAverage(),
    Build = Machine.Configuration,
    Store = options.Store,
    Quick = options.Quick,
    Concurrency = options.Concurrency,
    DataFolder = store.Folder,
    Disk = store.Disk?.ToString(),
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
else
{
    Console.WriteLine($"  store   : {options.Store}, a fresh task hub (and host) per measured run; no disk, so no limit probe");
}

Console.WriteLine($"  worker  : PerdureWorkerOptions.Concurrency.MaximumConcurrentOrchestrationWorkItems = {options.Concurrency}, " +
                  $"MaximumConcurrentActivityWorkItems = {options.Concurrency}; other options at their defaults");
Console.WriteLine();

var errors = new List<string>();

// The limit probe runs alone in the process, on the same folder as the databases, before the workloads and again after
// them: a shared disk's speed drifts, and the pair shows by how much.
if (store.IsSqlite)
{
    Console.WriteLine($"Limit probe (start), {options.ProbeDuration.TotalSeconds:0} s each, in {store.Folder}");
    Probe();
    Console.WriteLine();
}

// W1: many short chains.
Console.WriteLine($"W1 many short chains: {options.Instances:N0} instances x {W1ShortChains.StepsPerInstance} sequential activities, " +
                  $"{options.Repetitions} timed repetition(s) after an untimed warm-up of {W1WarmUpInstances} instances");
var warmUp = await W1ShortChains.RunAsync(options, store, W1WarmUpInstances, timeout);
errors.AddRange(warmUp.Errors.Select(e => $"W1 warm-up: {e}"));
if (warmUp.Errors.Count == 0)
{
    for (var rep = 1; rep <= options.Repetitions; rep++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var run = await W1ShortChains.RunAsync(options, store, options.Instances, timeout);
        report.W1Runs.Add(run);
        errors.AddRange(run.Errors.Select(e => $"W1: {e}"));
        Console.WriteLine($"  rep {rep}/{options.Repetitions}  hub {run.TaskHub,-16}  {run.Instances * W1ShortChains.StepsPerInstance,7:N0} steps " +
                          $"in {run.Elapsed.TotalSeconds,7:0.000} s  {run.StepsPerSecond,9:N0} steps/s  {run.InstancesPerSecond,8:N0} instances/s  " +
                          (store.IsSqlite ? $"file {run.FileBytes / 1024.0 / 1024.0,5:0.0} MB  " : string.Empty) +
                          (run.Errors.Count == 0 ? "outputs verified" : $"{run.Errors.Count} WRONG"));
        if (run.Errors.Count > 0)
        {
            break;
        }
    }
}

// W3: latency, only if W1 produced right outputs (a broken engine is not worth timing further).
if (errors.Count == 0)
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

// W7: entity operations, one entity and many.
if (errors.Count == 0)
{
    var signals = options.Quick ? 500 : 5_000;
    Console.WriteLine();
    Console.WriteLine($"W7 entities: {signals:N0} client signals at once, to one counter entity and spread over {W7ManyEntities:N0}; " +
                      "timed until one orchestration has read every counter");
    foreach (var entities in new[] { 1, W7ManyEntities })
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var run = await W7Entities.RunAsync(options, store, signals, entities, timeout);
        report.W7Runs.Add(run);
        errors.AddRange(run.Errors.Select(e => $"W7 ({entities} entities): {e}"));
        Console.WriteLine($"  {entities,5:N0} entit{(entities == 1 ? "y  " : "ies")}  {run.Signals:N0} signals in {run.Elapsed.TotalSeconds,7:0.000} s  " +
                          $"{run.OperationsPerSecond,9:N0} operations/s  " + (run.Errors.Count == 0 ? "outputs verified" : "WRONG"));
    }
}

if (store.IsSqlite)
{
    Console.WriteLine();
    Console.WriteLine("Limit probe (end)");
    Probe();
}

errors.AddRange(report.CommitProbes.Concat(report.FlushProbes).Where(p => p.Error is not null).Select(p => $"limit probe: {p.Error}"));
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
                  (store.IsSqlite ? ", limit probes at start and end" : string.Empty) + ").");
return 0;

void Probe()
{
    var commits = LimitProbe.MeasureSqliteCommits(store, options.ProbeDuration);
    report.CommitProbes.Add(commits);
    PrintProbe("one-row commits (Microsoft.Data.Sqlite, WAL, synchronous=FULL, one INSERT per transaction)", "commits/s", commits);
    var flushes = LimitProbe.MeasureFlushes(store, options.ProbeDuration);
    report.FlushProbes.Add(flushes);
    PrintProbe("flushes (append 100 bytes + fsync, FileStream.Flush(flushToDisk: true))", "flushes/s", flushes);
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

