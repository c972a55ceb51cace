using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.CrashWorker;

// Usage: Perdure.CrashWorker <database file> <incarnation> <execution log file>
// Runs until killed. Prints "ready" once the worker has started.
if (args.Length != 3 || !int.TryParse(args[1], out var incarnation))
{
    Console.Error.WriteLine("usage: Perdure.CrashWorker <database file> <incarnation> <execution log file>");
    return 2;
}

var builder = Host.CreateApplicationBuilder();
builder.Logging.ClearProviders();
builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
builder.Services.AddDurableTaskWorker(b =>
{
    b.AddTasks(r => CrashWorkload.Register(r, incarnation, args[2]));
    b.UseSqlite($"Data Source={args[0]}", o =>
    {
        o.TaskHub = CrashWorkload.TaskHub;

        // Work a killed worker held comes back when its lease runs out; short leases keep the test fast.
        o.LeaseDuration = TimeSpan.FromSeconds(2);
    });
});
using var host = builder.Build();
await host.StartAsync();
Console.WriteLine("ready");
await host.WaitForShutdownAsync();
return 0;
