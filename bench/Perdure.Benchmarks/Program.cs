// Perdure.Benchmarks: prints the figures of DESIGN.md section 7 for one store. Figures are printed, never asserted; the
// run fails (exit code 1) only when a workload produces a wrong result.
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
const int WarmUpInstances = 50;

Console.WriteLine($"Perdure benchmarks{(options.Quick ? " (--quick)" : string.Empty)}");
Console.WriteLine($"  machine : {Machine.Describe()}");
Console.WriteLine($"  load    : {Machine.LoadAverage()} (1, 5, 15 min averages at start; other work on the machine skews the figures)");
Console.WriteLine($"  build   : {Machine.Configuration}");
Console.WriteLine($"  store   : {options.Store}, a fresh task hub (and host) per repetition");
Console.WriteLine($"  worker  : PerdureWorkerOptions.Concurrency.MaximumConcurrentOrchestrationWorkItems = {options.Concurrency}, " +
                  $"MaximumConcurrentActivityWorkItems = {options.Concurrency}; other options at their defaults");
Console.WriteLine();
Console.WriteLine($"W1 many short chains: {options.Instances:N0} instances x {W1ShortChains.StepsPerInstance} sequential activities, " +
                  $"{options.Repetitions} timed repetition(s) after an untimed warm-up of {WarmUpInstances} instances");

var warmUp = await W1ShortChains.RunAsync(options, WarmUpInstances, timeout);
var runs = new List<RunResult>();
if (warmUp.Errors.Count == 0)
{
    for (var rep = 1; rep <= options.Repetitions; rep++)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        var run = await W1ShortChains.RunAsync(options, options.Instances, timeout);
        runs.Add(run);
        Console.WriteLine($"  rep {rep}/{options.Repetitions}  hub {run.TaskHub,-16}  {run.Instances * W1ShortChains.StepsPerInstance,7:N0} steps " +
                          $"in {run.Elapsed.TotalSeconds,7:0.000} s  {run.StepsPerSecond,9:N0} steps/s  {run.InstancesPerSecond,8:N0} instances/s  " +
                          (run.Errors.Count == 0 ? "outputs verified" : $"{run.Errors.Count} WRONG"));
        if (run.Errors.Count > 0)
        {
            break;
        }
    }
}

var errors = warmUp.Errors.Concat(runs.SelectMany(r => r.Errors)).ToList();
if (errors.Count > 0)
{
    Console.WriteLine();
    Console.WriteLine($"W1 FAILED: {errors.Count} wrong result(s); the first ones:");
    foreach (var e in errors.Take(10))
    {
        Console.WriteLine($"  {e}");
    }

    return 1;
}

Console.WriteLine();
Console.WriteLine("  workload  store     instances  reps  activity steps/s: median (min-max)  instances/s: median (min-max)");
Console.WriteLine($"  W1        {options.Store,-8}  {options.Instances,9:N0}  {runs.Count,4}  " +
                  $"{Summary(runs.Select(r => r.StepsPerSecond)),-34}  {Summary(runs.Select(r => r.InstancesPerSecond))}");
Console.WriteLine();
Console.WriteLine("  For comparison, the target of DESIGN.md section 7 for W1 is >= 50,000 activity steps/s on the in-memory store " +
                  "(on the 2-core development machine). Printed, never asserted.");
Console.WriteLine($"Benchmarks OK: every output verified ({runs.Count} timed repetition(s)).");
return 0;

static string Summary(IEnumerable<double> values)
{
    var sorted = values.Order().ToArray();
    var median = sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    return sorted.Length == 1 ? $"{median:N0}" : $"{median:N0} ({sorted[0]:N0}-{sorted[^1]:N0})";
}
