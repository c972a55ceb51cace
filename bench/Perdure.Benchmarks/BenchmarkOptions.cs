using System.Globalization;

namespace Perdure.Benchmarks;

/// <summary>What to run, from the command line.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        Usage: dotnet run --project bench/Perdure.Benchmarks -c Release -- [options]

          --store <name>        the store to measure: inmemory (the only store so far; the default)
          --quick               a short run that proves the benchmark works: 100 instances, 1 repetition
          --instances <n>       W1 instances (default 1000, --quick 100)
          --repetitions <n>     timed repetitions, each on a fresh task hub (default 3, --quick 1)
          --concurrency <n>     the worker's MaximumConcurrentOrchestrationWorkItems and MaximumConcurrentActivityWorkItems
                                (default: 4 x processor count)
          --help                this text
        """;

    public static readonly string[] Stores = ["inmemory"];

    public string Store { get; init; } = "inmemory";

    public bool Quick { get; init; }

    public int Instances { get; init; } = 1000;

    public int Repetitions { get; init; } = 3;

    public int Concurrency { get; init; } = 4 * Environment.ProcessorCount;

    /// <summary>Parses the arguments; returns null and sets <paramref name="error"/> when they are not valid.</summary>
    public static BenchmarkOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        string store = "inmemory";
        var quick = false;
        int? instances = null, repetitions = null, concurrency = null;
        for (var i = 0; i < args.Count; i++)
        {
            switch (args[i])
            {
                case "--quick":
                    quick = true;
                    break;
                case "--store" when i + 1 < args.Count:
                    store = args[++i].ToLowerInvariant();
                    if (!Stores.Contains(store))
                    {
                        error = $"Unknown store '{args[i]}'. Stores: {string.Join(", ", Stores)}.";
                        return null;
                    }

                    break;
                case "--instances" when i + 1 < args.Count:
                    instances = Positive(args[++i], "--instances", ref error);
                    break;
                case "--repetitions" when i + 1 < args.Count:
                    repetitions = Positive(args[++i], "--repetitions", ref error);
                    break;
                case "--concurrency" when i + 1 < args.Count:
                    concurrency = Positive(args[++i], "--concurrency", ref error);
                    break;
                default:
                    error = $"Unknown or incomplete option '{args[i]}'.";
                    return null;
            }

            if (error is not null)
            {
                return null;
            }
        }

        var defaults = new BenchmarkOptions();
        return new BenchmarkOptions
        {
            Store = store,
            Quick = quick,
            Instances = instances ?? (quick ? 100 : defaults.Instances),
            Repetitions = repetitions ?? (quick ? 1 : defaults.Repetitions),
            Concurrency = concurrency ?? defaults.Concurrency,
        };
    }

    private static int? Positive(string value, string option, ref string? error)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0)
        {
            return n;
        }

        error = $"{option} needs a positive whole number, not '{value}'.";
        return null;
    }
}
