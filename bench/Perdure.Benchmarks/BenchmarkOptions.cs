using System.Globalization;

namespace Perdure.Benchmarks;

/// <summary>What to run, from the command line.</summary>
internal sealed record BenchmarkOptions
{
    public const string Usage = """
        Usage: dotnet run --project bench/Perdure.Benchmarks -c Release -- [options]

          --store <name>        the store to measure: inmemory (the default), sqlite (durable defaults, a fresh
                                database file per measured run, with the disk's limit probe) or postgres (a fresh
                                schema per measured run on the server --postgres or PERDURE_TEST_POSTGRES names,
                                dropped after it, with the server's one-row commit probe)
          --postgres <conn>     the PostgreSQL server, as an Npgsql connection string (default: the environment
                                variable PERDURE_TEST_POSTGRES, which eng/postgres.sh sets)
          --workers <n,n,...>   postgres only: also run W1 with that many worker processes each (scale-out), the
                                benchmark process itself being only the client (it starts copies of itself as the
                                workers, waits until each is ready, and stops them at the end of each run)
          --scale-out           the same as --workers 1,2,4
          --quick               a short run that proves the benchmark works: W1 100 instances x 1 repetition, W2 100
                                activities, W3 100 instances, W4 100 instances, W5 1,000 steps, W6 500 instances,
                                W7 500 signals, 1 s probes
          --only <w,w,...>      run only these workloads, e.g. --only w4,w5 (default: all of w1 to w7; the limit
                                probes and --workers still run)
          --instances <n>       W1 instances (default 1000, --quick 100)
          --repetitions <n>     W1 and W2 timed repetitions, each on a fresh task hub and database (default 3, --quick 1);
                                with --workers, as many per worker count, each with fresh worker processes
          --w3-instances <n>    W3 instances, one after another (default 200, --quick 100)
          --concurrency <n>     the worker's MaximumConcurrentOrchestrationWorkItems and MaximumConcurrentActivityWorkItems
                                (default: the SDK's default for both, 100 x processor count, what a worker gets when
                                its options set nothing)
          --data <folder>       where SQLite files go (default ./.bench-data, next to the working directory; a folder of
                                its own is made in it per run and removed at the end)
          --out <folder>        also write the results as JSON and Markdown there (default: print only)
          --help                this text
        """;

    public static readonly string[] Stores = ["inmemory", "sqlite", "postgres"];

    /// <summary>The environment variable that names the PostgreSQL server when --postgres is not given.</summary>
    public const string PostgresVariable = "PERDURE_TEST_POSTGRES";

    public string Store { get; init; } = "inmemory";

    public bool Quick { get; init; }

    public int Instances { get; init; } = 1000;

    public int Repetitions { get; init; } = 3;

    /// <summary>Both concurrency limits of the worker; by default the SDK's own default (the same for both).</summary>
    public int Concurrency { get; init; } = new Microsoft.DurableTask.Worker.DurableTaskWorkerOptions().Concurrency.MaximumConcurrentOrchestrationWorkItems;

    public int W3Instances { get; init; } = 200;

    /// <summary>How long each limit probe loops.</summary>
    public TimeSpan ProbeDuration { get; init; } = TimeSpan.FromSeconds(2);

    public string? DataFolder { get; init; }

    public string? OutFolder { get; init; }

    /// <summary>The Npgsql connection string of the PostgreSQL server (postgres only).</summary>
    public string? PostgresConnectionString { get; init; }

    /// <summary>Where <see cref="PostgresConnectionString"/> came from: the option or the environment variable.</summary>
    public string? PostgresSource { get; init; }

    /// <summary>The workloads to run (w1 to w7); all of them unless --only names some.</summary>
    public IReadOnlySet<string> Workloads { get; init; } = AllWorkloads;

    private static readonly HashSet<string> AllWorkloads = ["w1", "w2", "w3", "w4", "w5", "w6", "w7"];

    /// <summary>Whether <paramref name="workload"/> (w1 to w7) is to run.</summary>
    public bool Runs(string workload) => Workloads.Contains(workload);

    /// <summary>The worker process counts of the scale-out runs; empty when there are none.</summary>
    public IReadOnlyList<int> WorkerProcesses { get; init; } = [];

    /// <summary>Parses the arguments; returns null and sets <paramref name="error"/> when they are not valid.</summary>
    public static BenchmarkOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        error = null;
        string store = "inmemory";
        var quick = false;
        int? instances = null, repetitions = null, concurrency = null, w3Instances = null;
        string? data = null, output = null, postgres = null;
        int[]? workers = null;
        HashSet<string>? only = null;
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
                case "--postgres" when i + 1 < args.Count:
                    postgres = args[++i];
                    break;
                case "--scale-out":
                    workers = [1, 2, 4];
                    break;
                case "--workers" when i + 1 < args.Count:
                    workers = WorkerCounts(args[++i], ref error);
                    break;
                case "--only" when i + 1 < args.Count:
                    only = [.. args[++i].ToLowerInvariant().Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];
                    if (only.Count == 0 || only.FirstOrDefault(w => !AllWorkloads.Contains(w)) is { } unknown)
                    {
                        error = $"--only needs workloads from w1 to w7 separated by commas (e.g. w4,w5), not '{args[i]}'.";
                    }

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

        string? postgresSource = null;
        if (store == "postgres")
        {
            postgresSource = postgres is not null ? "--postgres" : PostgresVariable;
            postgres ??= Environment.GetEnvironmentVariable(PostgresVariable);
            if (string.IsNullOrWhiteSpace(postgres))
            {
                error = $"--store postgres needs a server: give its Npgsql connection string with --postgres \"Host=...;Username=...;" +
                        $"Password=...;Database=...\" or in the environment variable {PostgresVariable} " +
                        "(bash -c 'source eng/postgres.sh && dotnet run ...' starts a private server and sets it).";
                return null;
            }
        }
        else if (postgres is not null || workers is not null)
        {
            error = "--postgres, --workers and --scale-out go with --store postgres.";
            return null;
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
            PostgresConnectionString = postgres,
            PostgresSource = postgresSource,
            WorkerProcesses = workers ?? [],
            Workloads = only ?? AllWorkloads,
        };
    }

    private static int[]? WorkerCounts(string value, ref string? error)
    {
        var counts = new List<int>();
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 16)
            {
                error = $"--workers needs worker process counts from 1 to 16 separated by commas (e.g. 1,2,4), not '{value}'.";
                return null;
            }

            counts.Add(n);
        }

        return [.. counts];
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
