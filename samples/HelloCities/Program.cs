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

// The in-memory store keeps state only while the process runs. The embedded SQLite store (UseSqlite) arrives in a later
// issue and becomes the default here; only these two Use…() lines change.
builder.Services.AddDurableTaskWorker(b =>
{
    b.AddTasks(r =>
    {
        r.AddOrchestrator<HelloCitiesOrchestrator>();
        r.AddActivity<SayHello>();
    });
    b.UseInMemory();
});
builder.Services.AddDurableTaskClient(b => b.UseInMemory());

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
