using System.Globalization;

namespace Perdure.Benchmarks;

/// <summary>What to run, from the command line.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        Usage: dotnet run --project bench/Perdure.Benchmarks -c Release -- [options]

          --store <name>        the store to measure: inmemory (the default) or sqlite (durable defaults, a fresh
                                database file per measured run, with the disk's limit probe)
          --quick               a short run that proves the benchmark works: W1 100 instances x 1 repetition, W3 100
                                instances, 1 s probes
          --instances <n>       W1 instances (default 1000, --quick 100)
          --repetitions <n>     W1 timed repetitions, each on a fresh task hub and database (default 3, --quick 1)
          --w3-instances <n>    W3 instances, one after another (default 200, --quick 100)
          --concurrency <n>     the worker's MaximumConcurrentOrchestrationWorkItems and MaximumConcurrentActivityWorkItems
                                (default: 4 x processor count)
          --data <folder>       where SQLite files go (default ./.bench-data, next to the working directory; a folder of
                                its own is made in it per run and removed at the end)
          --out <folder>        also write the results as JSON and Markdown there (default: print only)
          --help                this text
        """;

    public static readonly string[] Stores = ["inmemory", "sqlite"];

    public string Store { get; init; } = "inmemory";

    public bool Quick { get; init; }

    public int Instances { get; init; } = 1000;

    public int Repetitions { get; init; } = 3;

    public int Concurrency { get; init; } = 4 * Environment.ProcessorCount;

    public int W3Instances { get; init; } = 200;

    /// <summary>How long each limit probe loops.</summary>
    public TimeSpan ProbeDuration { get; init; } = TimeSpan.FromSeconds(2);

    public string? DataFolder { get; init; }

    public string? OutFolder { get; init; }

    /// <summary>Parses the arguments; returns null and sets <paramref name="error"/> when they are not valid.</summary>
    public static BenchmarkOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        string store = "inmemory";
        var quick = false;
        int? instances = null, repetitions = null, concurrency = null, w3Instances = null;
        string? data = null, output = null;
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
                case "--w3-instances" when i + 1 < args.Count:
                    w3Instances = Positive(args[++i], "--w3-instances", ref error);
                    break;
                case "--data" when i + 1 < args.Count:
                    data = args[++i];
                    break;
                case "--out" when i + 1 < args.Count:
                    output = args[++i];
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
            W3Instances = w3Instances ?? (quick ? 100 : defaults.W3Instances),
            ProbeDuration = quick ? TimeSpan.FromSeconds(1) : defaults.ProbeDuration,
            DataFolder = data,
            OutFolder = output,
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
