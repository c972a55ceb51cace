// ScaleOut: several worker processes share the work of one task hub through a PostgreSQL database. This process (the
// parent) starts N copies of itself in worker mode, drives orchestrations through a client, waits for every one, checks
// every output, prints which worker ran what and the throughput, and stops the workers gracefully.
//
//   dotnet run -c Release --project samples/ScaleOut -- --postgres "Host=...;Username=...;Password=...;Database=..." --workers 3
//
// Exit codes: 0 every output was right; 1 an output was wrong, an instance failed or a worker misbehaved; 2 bad usage.
using ScaleOut;

var (options, error) = ScaleOutOptions.Parse(args, Environment.GetEnvironmentVariable(ScaleOutOptions.EnvironmentVariable));
if (options is null)
{
    await Console.Error.WriteLineAsync(error);
    await Console.Error.WriteLineAsync(ScaleOutOptions.Usage);
    return 2;
}

return options.IsWorker ? await WorkerMode.RunAsync(options) : await Driver.RunAsync(options);
