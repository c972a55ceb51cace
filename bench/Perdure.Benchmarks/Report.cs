using System.Text;
using System.Text.Json;

namespace Perdure.Benchmarks;

/// <summary>Everything one run measured: printed as the results table, and written as JSON and Markdown on request.</summary>
internal sealed class Report
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true };

    public required string Command { get; init; }

    public required string Machine { get; init; }

    public required string LoadAtStart { get; init; }

    public string? LoadAtEnd { get; set; }

    public required string Build { get; init; }

    public required string Store { get; init; }

    public required bool Quick { get; init; }

    public required int Concurrency { get; init; }

    public string? DataFolder { get; init; }

    public string? Disk { get; init; }

    /// <summary>The PostgreSQL server's version and commit settings.</summary>
    public string? ServerSettings { get; init; }

    /// <summary>PostgreSQL: the commit probe on as many connections at once as the worker's concurrency.</summary>
    public List<ProbeResult> ConcurrentCommitProbes { get; } = [];

    public double? ConcurrentCommitsPerSecond => MeanRate(ConcurrentCommitProbes);

    /// <summary>How many connections the concurrent commit probe uses: as many as a PostgreSQL store writes on by default.</summary>
    public int ConcurrentConnections { get; } = new Storage.Postgres.PostgresStoreOptions().WriteConnections;

    /// <summary>Why W7 did not run, when it did not.</summary>
    public string? W7Skipped { get; set; }

    public List<ScaleOutRun> ScaleOutRuns { get; } = [];

    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The one-row commit probe, run before the workloads and again after them (the disk's speed drifts).</summary>
    public List<ProbeResult> CommitProbes { get; } = [];

    /// <summary>The flush probe, run before the workloads and again after them.</summary>
    public List<ProbeResult> FlushProbes { get; } = [];

    /// <summary>The probes' rate: the mean of the start and end runs; null when a probe is missing or failed.</summary>
    public double? CommitsPerSecond => MeanRate(CommitProbes);

    public double? FlushesPerSecond => MeanRate(FlushProbes);

    public List<RunResult> W1Runs { get; } = [];

    /// <summary>The first W1 warm-up run: the process's first W1, before the JIT has optimized the engine's code.</summary>
    public RunResult? W1FirstRun { get; set; }

    public List<FanOutResult> W2Runs { get; } = [];

    public LatencyResult? W3 { get; set; }

    /// <summary>W4 with the events raised one at a time: the event latency the target is about.</summary>
    public LatencyResult? W4 { get; set; }

    /// <summary>W4 with the events raised as one burst.</summary>
    public LatencyResult? W4Burst { get; set; }

    public LongHistoryResult? W5 { get; set; }

    /// <summary>W5's cold step again on an instance whose history holds about 10,000 events (DESIGN's cold-replay target).</summary>
    public LongHistoryResult? W5TenThousandEvents { get; set; }

    public MemoryResult? W6 { get; set; }

    public List<EntityRunResult> W7Runs { get; } = [];

    public IReadOnlyList<string> Errors { get; set; } = [];

    private bool IsSqlite => Store == "sqlite";

    private bool IsPostgres => Store == "postgres";

    /// <summary>The rows of the results table: workload, figure, value, target, reading against the limit probe.</summary>
    public IEnumerable<string[]> Rows()
    {
        var probed = CommitsPerSecond is not null;
        if (CommitsPerSecond is { } commits)
        {
            yield return
            [
                "probe", IsPostgres ? "one-row durable commits/s, 1 connection (mean)" : "one-row durable commits/s (mean)",
                $"{commits:N0} (start {CommitProbes[0].PerSecond:N0}, end {CommitProbes[^1].PerSecond:N0})", "-",
                $"one commit = {1000 / commits:0.000} ms",
            ];
        }

        if (ConcurrentCommitsPerSecond is { } concurrent)
        {
            yield return
            [
                "probe", $"one-row durable commits/s, {ConcurrentConnections} connections at once (mean)",
                $"{concurrent:N0} (start {ConcurrentCommitProbes[0].PerSecond:N0}, end {ConcurrentCommitProbes[^1].PerSecond:N0})", "-",
                $"{concurrent / CommitsPerSecond:0.00} x one connection",
            ];
        }

        if (FlushesPerSecond is { } flushes)
        {
            yield return
            [
                "probe", IsPostgres ? "flushes/s of the server's data folder disk, write + fsync (mean)" : "flushes/s, write + fsync (mean)", $"{flushes:N0} (start {FlushProbes[0].PerSecond:N0}, end {FlushProbes[^1].PerSecond:N0})", "-",
                $"one flush = {1000 / flushes:0.000} ms",
            ];
        }

        if (W1Runs.Count > 0)
        {
            var steps = Stats(W1Runs.Select(r => r.StepsPerSecond));
            var instances = W1Runs[0].Instances;
            yield return
            [
                "W1", $"activity steps/s ({instances:N0} x {W1ShortChains.StepsPerInstance}, {W1Runs.Count} rep{(W1Runs.Count == 1 ? string.Empty : "s")})", Summary(steps),
                IsSqlite ? ">= 5,000" : IsPostgres ? "-" : ">= 50,000",
                probed ? $"W1 = {steps.Median / CommitsPerSecond:0.00} x one-row commits/s" : "-",
            ];
            yield return ["W1", "instances/s", Summary(Stats(W1Runs.Select(r => r.InstancesPerSecond))), "-", "-"];
            if (W1FirstRun is { Errors.Count: 0 } first)
            {
                yield return
                [
                    "W1", $"activity steps/s of the process's first run ({first.Instances:N0} x {W1ShortChains.StepsPerInstance}; JIT not settled)",
                    $"{first.StepsPerSecond:N0}", "-", probed ? $"{first.StepsPerSecond / CommitsPerSecond:0.00} x one-row commits/s" : "-",
                ];
            }
        }

        if (W2Runs.Count > 0 && W2Runs.All(r => r.Errors.Count == 0))
        {
            var seconds = Stats(W2Runs.Select(r => r.Elapsed.TotalSeconds));
            yield return
            [
                "W2", $"fan-out/fan-in wall time s ({W2Runs[0].Activities:N0} activities, {W2Runs.Count} rep{(W2Runs.Count == 1 ? string.Empty : "s")})",
                $"{seconds.Median:0.000} ({seconds.Min:0.000}-{seconds.Max:0.000})",
                IsSqlite ? "<= 0.5" : "-",
                probed ? $"{W2Runs[0].Activities / seconds.Median / CommitsPerSecond:0.00} x one-row commits/s (activities/s)" : "-",
            ];
        }

        if (W3 is { Milliseconds.Count: > 0 } w3)
        {
            yield return
            [
                "W3", $"latency p50 / p95 / p99 ms ({w3.Milliseconds.Count})",
                $"{w3.Percentile(50):0.00} / {w3.Percentile(95):0.00} / {w3.Percentile(99):0.00}",
                IsSqlite ? "p50 <= 3, p99 <= 15" : "-",
                probed ? $"p50 = {w3.Percentile(50) * CommitsPerSecond / 1000:0.0} one-row commit times" : "-",
            ];
        }

        if (W4 is { Milliseconds.Count: > 0, Errors.Count: 0 } w4)
        {
            yield return
            [
                "W4", $"event to completion p50 / p99 ms, one at a time ({w4.Milliseconds.Count} waiting, no timer won)",
                $"{w4.Percentile(50):0.00} / {w4.Percentile(99):0.00}",
                IsSqlite ? "p99 <= 20" : "-",
                probed ? $"p50 = {w4.Percentile(50) * CommitsPerSecond / 1000:0.0} one-row commit times" : "-",
            ];
        }

        if (W4Burst is { Milliseconds.Count: > 0, Errors.Count: 0 } burst)
        {
            yield return
            [
                "W4", $"event to completion p50 / p99 ms, one burst of {burst.Milliseconds.Count} (no timer won)",
                $"{burst.Percentile(50):0.00} / {burst.Percentile(99):0.00}" +
                    (burst.WallSeconds is { } wall ? $"; {burst.Milliseconds.Count / wall:N0} events/s over {wall:0.000} s" : string.Empty), "-",
                probed && burst.WallSeconds is { } seconds ? $"{burst.Milliseconds.Count / seconds / CommitsPerSecond:0.00} x one-row commits/s (events/s)" : "-",
            ];
        }

        if (W5 is { Errors.Count: 0 } w5)
        {
            var first = w5.MedianAt(w5.Lengths.First());
            foreach (var length in w5.Lengths)
            {
                yield return
                [
                    "W5", $"per-step ms at {length:N0} steps (median of 100)", $"{w5.MedianAt(length):0.000}",
                    IsSqlite && length == 10_000 ? "<= 1.5 x at 100" : "-",
                    length == w5.Lengths.First() ? (probed ? $"{w5.MedianAt(length) * CommitsPerSecond / 1000:0.0} one-row commit times" : "-")
                        : $"{w5.MedianAt(length) / first:0.00} x at {w5.Lengths.First():N0}",
                ];
            }

            foreach (var cold in new[] { W5TenThousandEvents, w5 }.OfType<LongHistoryResult>().Where(r => r.Errors.Count == 0))
            {
                yield return
                [
                    "W5", $"cold step ms at {cold.Steps:N0} steps, cache off ({cold.HistoryEvents:N0} events read and replayed; median of {cold.ColdGaps.Length})",
                    $"{cold.ColdMedian:0.000}", IsSqlite && cold == W5TenThousandEvents ? "replay <= 50" : "-",
                    $"{cold.ColdMedian - cold.MedianAt(cold.Lengths.Last()):0.000} ms more than a cached step of the same run at {cold.Lengths.Last():N0} steps",
                ];
            }
        }

        if (W6 is { Errors.Count: 0 } w6)
        {
            yield return
            [
                "W6", $"managed heap KB per idle instance ({w6.Instances:N0}), cache on / off / the cache's share",
                $"{w6.BytesPerInstanceCached / 1024:0.00} / {w6.BytesPerInstanceUncached / 1024:0.00} / {w6.CacheBytesPerInstance / 1024:0.00}",
                IsSqlite ? "<= 20 (cache on)" : "-", "-",
            ];
        }

        if (W7Skipped is not null)
        {
            yield return ["W7", "entity operations/s", W7Skipped, "-", "-"];
        }

        Stat? oneWorker = null;
        foreach (var group in ScaleOutRuns.Where(r => r.Run is not null).GroupBy(r => r.Workers))
        {
            var steps = Stats(group.Select(r => r.Run!.StepsPerSecond));
            oneWorker ??= group.Key == 1 ? steps : null;
            var count = group.Count();
            yield return
            [
                "W1 scale-out", $"{group.Key} worker process{(group.Key == 1 ? string.Empty : "es")}: activity steps/s ({count} rep{(count == 1 ? string.Empty : "s")})",
                Summary(steps), "grows with workers",
                (probed ? $"= {steps.Median / CommitsPerSecond:0.00} x one-row commits/s" : "-") +
                (oneWorker is not null && group.Key != 1 ? $"; {steps.Median / oneWorker.Median:0.00} x 1 worker" : string.Empty) +
                (group.All(r => r.Run!.CpuBusy is not null) ? $"; cores {Stats(group.Select(r => r.Run!.CpuBusy!.Value * 100)).Median:0}% busy" : string.Empty),
            ];
            yield return
            [
                "W1 scale-out", $"{group.Key} worker process{(group.Key == 1 ? string.Empty : "es")}: instances/s",
                Summary(Stats(group.Select(r => r.Run!.InstancesPerSecond))), "-", "-",
            ];
        }

        foreach (var w7 in W7Runs)
        {
            yield return
            [
                "W7", $"entity operations/s ({w7.Signals:N0} signals, {w7.Entities:N0} entit{(w7.Entities == 1 ? "y" : "ies")})", $"{w7.OperationsPerSecond:N0}", "-",
                probed ? $"W7 = {w7.OperationsPerSecond / CommitsPerSecond:0.00} x one-row commits/s" : "-",
            ];
        }
    }

    public IEnumerable<string> TableLines()
    {
        string[] header = ["workload", "figure", "median (min-max) or value", "target", "against the limit probe"];
        var columns = CommitsPerSecond is null ? header.Length - 1 : header.Length;
        header = header[..columns];
        var rows = Rows().Select(r => r[..columns]).ToList();
        var widths = Enumerable.Range(0, header.Length).Select(i => rows.Select(r => r[i].Length).Append(header[i].Length).Max()).ToArray();
        yield return $"Results, store {Store}{(Quick ? " (--quick)" : string.Empty)}";
        foreach (var row in rows.Prepend(header))
        {
            yield return "  " + string.Join("  ", row.Select((cell, i) => cell.PadRight(widths[i]))).TrimEnd();
        }
    }

    /// <summary>Writes perdure-bench-&lt;store&gt;.json and .md into <paramref name="folder"/>; returns their paths.</summary>
    public (string Json, string Markdown) Write(string folder)
    {
        Directory.CreateDirectory(folder);
        var json = Path.GetFullPath(Path.Combine(folder, $"perdure-bench-{Store}.json"));
        var markdown = Path.GetFullPath(Path.Combine(folder, $"perdure-bench-{Store}.md"));
        File.WriteAllText(json, JsonSerializer.Serialize(ToJson(), s_json));
        File.WriteAllText(markdown, ToMarkdown());
        return (json, markdown);
    }

    private object ToJson() => new
    {
        Command,
        Machine,
        LoadAtStart,
        LoadAtEnd,
        Build,
        Store,
        Quick,
        Concurrency,
        DataFolder,
        Disk,
        ServerSettings,
        StartedAt,
        Ok = Errors.Count == 0,
        Errors,
        LimitProbe = CommitProbes.Count == 0 && FlushProbes.Count == 0
            ? null
            : new
            {
                OneRowCommitsPerSecond = CommitsPerSecond,
                OneRowCommitsPerSecondRuns = CommitProbes.Select(p => p.PerSecond),
                FlushesPerSecond,
                FlushesPerSecondRuns = FlushProbes.Select(p => p.PerSecond),
                SecondsEach = CommitProbes.Select(p => p.Elapsed.TotalSeconds).FirstOrDefault(),
                ConcurrentConnections = ConcurrentCommitProbes.Count == 0 ? (int?)null : ConcurrentConnections,
                ConcurrentCommitsPerSecond,
                ConcurrentCommitsPerSecondRuns = ConcurrentCommitProbes.Select(p => p.PerSecond),
            },
        W1 = W1Runs.Count == 0
            ? null
            : new
            {
                Instances = W1Runs[0].Instances,
                W1ShortChains.StepsPerInstance,
                StepsPerSecond = Stats(W1Runs.Select(r => r.StepsPerSecond)),
                InstancesPerSecond = Stats(W1Runs.Select(r => r.InstancesPerSecond)),
                StepsPerSecondOverCommitsPerSecond = Stats(W1Runs.Select(r => r.StepsPerSecond)).Median / CommitsPerSecond,
                FirstWarmUpRunStepsPerSecond = W1FirstRun?.StepsPerSecond,
                Runs = W1Runs.Select(r => new
                {
                    r.TaskHub, r.Load, r.CpuBusy, r.Instances, ElapsedSeconds = r.Elapsed.TotalSeconds, r.StepsPerSecond, r.InstancesPerSecond, r.FileBytes,
                    ServerCounters = r.Server, r.CountedSteps, r.Commands,
                }),
            },
        ScaleOut = ScaleOutRuns.Count == 0
            ? null
            : ScaleOutRuns.Select(s => new
            {
                s.Workers,
                s.Run?.Load,
                StartupSeconds = s.Startup.TotalSeconds,
                s.Errors,
                ElapsedSeconds = s.Run?.Elapsed.TotalSeconds,
                s.Run?.Instances,
                s.Run?.StepsPerSecond,
                s.Run?.InstancesPerSecond,
                StepsPerSecondOverCommitsPerSecond = s.Run?.StepsPerSecond / CommitsPerSecond,
                s.Run?.CpuBusy,
                ServerCounters = s.Run?.Server,
                s.Run?.CountedSteps,
            }),
        W7Skipped,
        W2 = W2Runs.Select(r => new { r.Activities, ElapsedSeconds = r.Elapsed.TotalSeconds }),
        W3 = W3?.Summary(),
        W4 = W4?.Summary(),
        W4Burst = W4Burst?.Summary(),
        W5 = W5?.Summary(),
        W5TenThousandEvents = W5TenThousandEvents?.Summary(),
        W6 = W6?.Summary(),
        W7 = W7Runs.Select(r => new { r.Signals, r.Entities, ElapsedSeconds = r.Elapsed.TotalSeconds, r.OperationsPerSecond }),
    };

    private string ToMarkdown()
    {
        var md = new StringBuilder();
        md.AppendLine($"# Perdure benchmarks: {Store}{(Quick ? " (--quick)" : string.Empty)}").AppendLine();
        md.AppendLine($"- command: `{Command}`");
        md.AppendLine($"- started: {StartedAt:yyyy-MM-dd HH:mm:ss} UTC");
        md.AppendLine($"- machine: {Machine}");
        md.AppendLine($"- load (1, 5, 15 min): {LoadAtStart} at start, {LoadAtEnd} at end");
        md.AppendLine($"- build: {Build}; worker concurrency {Concurrency}");
        if (Disk is not null)
        {
            md.AppendLine($"- {(IsPostgres ? "server data folder" : "database files")}: `{DataFolder}`, {Disk}");
        }

        if (ServerSettings is not null)
        {
            md.AppendLine($"- server: {ServerSettings}");
        }

        md.AppendLine($"- outputs: {(Errors.Count == 0 ? "every output verified" : $"FAILED, {Errors.Count} wrong result(s)")}").AppendLine();
        md.AppendLine("| workload | figure | median (min-max) or value | target | against the limit probe |");
        md.AppendLine("|---|---|---|---|---|");
        foreach (var row in Rows())
        {
            md.AppendLine("| " + string.Join(" | ", row) + " |");
        }

        if (W1Runs.Count > 0)
        {
            md.AppendLine().AppendLine("W1 repetitions: " +
                string.Join(", ", W1Runs.Select(r => $"{r.StepsPerSecond:N0} steps/s ({r.Elapsed.TotalSeconds:0.000} s)")));
        }

        if (ScaleOutRuns.Count > 0)
        {
            md.AppendLine().AppendLine("W1 scale-out runs: " + string.Join(", ", ScaleOutRuns.Where(r => r.Run is not null)
                .Select(r => $"{r.Workers} worker(s) {r.Run!.StepsPerSecond:N0} steps/s ({r.Run.Elapsed.TotalSeconds:0.000} s)")));
        }

        foreach (var e in Errors.Take(20))
        {
            md.AppendLine($"- error: {e}");
        }

        return md.ToString();
    }

    private static double? MeanRate(List<ProbeResult> probes) =>
        probes.Count == 0 || probes.Any(p => p.Error is not null) ? null : probes.Average(p => p.PerSecond);

    private static string Summary(Stat s) => s.Count == 1 ? $"{s.Median:N0}" : $"{s.Median:N0} ({s.Min:N0}-{s.Max:N0})";

    private static Stat Stats(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return new Stat(median, sorted[0], sorted[^1], sorted.Length);
    }

    /// <summary>Median, minimum and maximum of the repetitions.</summary>
    internal sealed record Stat(double Median, double Min, double Max, int Count);
}
