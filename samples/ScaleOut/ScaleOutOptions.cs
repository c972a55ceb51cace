using System.Globalization;

namespace ScaleOut;

/// <summary>The command line: the parent's options, or a worker's (the parent starts workers with <c>--worker</c>).</summary>
public sealed record ScaleOutOptions(string ConnectionString, int Workers, int Instances, string? WorkerName, string? TaskHub)
{
    /// <summary>The environment variable that may give the connection string instead of <c>--postgres</c>.</summary>
    public const string EnvironmentVariable = "PERDURE_POSTGRES";

    /// <summary>What to pass, printed when the command line is incomplete or wrong.</summary>
    public const string Usage =
        "Usage: ScaleOut --postgres \"Host=...;Port=...;Username=...;Password=...;Database=...\" [--workers N] [--instances N]\n" +
        $"  --postgres   the Npgsql connection string of a PostgreSQL database (or set {EnvironmentVariable});\n" +
        "               the user needs CREATE on the database the first time, to create the schema 'perdure'\n" +
        "  --workers    worker processes to start, 1 to 16 (default 3)\n" +
        "  --instances  orchestrations to run, 1 to 100000 (default 200)";

    /// <summary>True in a worker process.</summary>
    public bool IsWorker => WorkerName is not null;

    /// <summary>Reads the command line, or returns an error that says what is wrong.</summary>
    public static (ScaleOutOptions? Options, string? Error) Parse(IReadOnlyList<string> args, string? environmentValue)
    {
        string? connectionString = null, workerName = null, taskHub = null;
        int workers = 3, instances = 200;
        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            if (i + 1 >= args.Count)
            {
                return (null, $"'{name}' needs a value.");
            }

            var value = args[++i];
            switch (name)
            {
                case "--postgres":
                    connectionString = value;
                    break;
                case "--workers" when TryParse(value, 1, 16, out var n):
                    workers = n;
                    break;
                case "--instances" when TryParse(value, 1, 100_000, out var n):
                    instances = n;
                    break;
                case "--worker":
                    workerName = value;
                    break;
                case "--task-hub":
                    taskHub = value;
                    break;
                case "--workers" or "--instances":
                    return (null, $"'{name} {value}' is out of range.");
                default:
                    return (null, $"Unknown option '{name}'.");
            }
        }

        connectionString ??= environmentValue;
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return (null, $"No PostgreSQL database given: pass --postgres \"<Npgsql connection string>\" or set {EnvironmentVariable}.");
        }

        if ((workerName is null) != (taskHub is null))
        {
            return (null, "--worker and --task-hub go together (the parent passes both to the workers it starts).");
        }

        return (new ScaleOutOptions(connectionString, workers, instances, workerName, taskHub), null);
    }

    private static bool TryParse(string value, int min, int max, out int result) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out result) && result >= min && result <= max;
}
