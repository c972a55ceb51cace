using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.CrashWorker;

// Usage: Perdure.CrashWorker <database file> <incarnation> <execution log file>
//        Perdure.CrashWorker postgres <connection string> <schema> <incarnation> <execution log file>
// Runs until killed. Prints "ready" once the worker has started.
const string Usage = "usage: Perdure.CrashWorker <database file> <incarnation> <execution log file>\n" +
    "       Perdure.CrashWorker postgres <connection string> <schema> <incarnation> <execution log file>";
var postgres = args.Length == 5 && args[0] == "postgres";
if (!(postgres || args.Length == 3) || !int.TryParse(args[^2], out var incarnation))
{
    Console.Error.WriteLine(Usage);
    return 2;
}

var log = args[^1];

// Work a killed worker held comes back when its lease runs out; short leases keep the tests fast. On PostgreSQL three
// workers, the test and the server share the machine (with every other test assembly under eng/test.sh), and an
// activity's lease is not renewed while its completion waits for a write lane: 5 s is the margin for that, since a lease
// lost there makes a step run again in a worker that was not killed, which the test refuses.
var leaseDuration = TimeSpan.FromSeconds(postgres ? 5 : 2);
var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
// Logs go to stderr, which the test drains (into a file): stdout carries only "ready", and is not read after it.
builder.Logging.AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(LogLevel.Warning);
builder.Services.AddDurableTaskWorker(b =>
{
    b.AddTasks(r => CrashWorkload.Register(r, incarnation, log));
    if (postgres)
    {
        b.UsePostgres(
            args[1],
            o =>
            {
                o.TaskHub = CrashWorkload.TaskHub;
                o.LeaseDuration = leaseDuration;
            },
            o => o.Schema = args[2]);
    }
    else
    {
        b.UseSqlite($"Data Source={args[0]}", o =>
        {
            o.TaskHub = CrashWorkload.TaskHub;
            o.LeaseDuration = leaseDuration;
        });
    }
});
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready");
await host.WaitForShutdownAsync();
return 0;
