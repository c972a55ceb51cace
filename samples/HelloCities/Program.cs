// HelloCities: the smallest complete Perdure program. A generic host runs a Durable Task worker and client; the client
// starts one orchestration, which calls an activity three times in a row, and waits for its result.
using HelloCities;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// The embedded SQLite store: durable, nothing to install. State lives in perdure.db in the working directory and
// survives restarts; UseInMemory() would keep it only while the process runs. Only these two Use…() lines are Perdure's.
const string Database = "Data Source=perdure.db";
builder.Services.AddDurableTaskWorker(b =>
{
    b.AddTasks(r =>
    {
        r.AddOrchestrator<HelloCitiesOrchestrator>();
        r.AddActivity<SayHello>();
    });
    b.UseSqlite(Database);
});
builder.Services.AddDurableTaskClient(b => b.UseSqlite(Database));

using var host = builder.Build();
await host.StartAsync();
try
{
    var client = host.Services.GetRequiredService<DurableTaskClient>();
    var instanceId = await client.ScheduleNewOrchestrationInstanceAsync(nameof(HelloCitiesOrchestrator));
    Console.WriteLine($"Started orchestration '{nameof(HelloCitiesOrchestrator)}' as instance {instanceId}.");

    using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
    OrchestrationMetadata metadata;
    try
    {
        metadata = await client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
    }
    catch (OperationCanceledException)
    {
        Console.Error.WriteLine($"Instance {instanceId} did not finish within 30 seconds.");
        return 1;
    }

    if (metadata.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
    {
        Console.Error.WriteLine($"Instance {instanceId} ended {metadata.RuntimeStatus}: {metadata.FailureDetails?.ErrorMessage}");
        return 1;
    }

    var greetings = metadata.ReadOutputAs<List<string>>() ?? [];
    Console.WriteLine($"Completed: {string.Join(" ", greetings)}");
    return greetings.Count == 3 ? 0 : 1;
}
finally
{
    await host.StopAsync();
}
