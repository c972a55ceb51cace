// BankAccounts: durable entities. Three account entities get opening deposits by client signals; transfers between
// them run concurrently, each locking its two accounts; auditors lock all three at once and must always see the same
// total. At the end the client reads every account.
using BankAccounts;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Client.Entities;
using Microsoft.DurableTask.Entities;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);

// A fresh database per run, outside the content root (the host watches its content root for configuration changes).
var path = Path.Combine(Path.GetTempPath(), $"perdure-bank-{Guid.NewGuid():N}.db");
var database = $"Data Source={path}";
builder.Services.AddDurableTaskWorker(b =>
{
    b.AddTasks(r =>
    {
        r.AddEntity<Account>();
        r.AddOrchestrator<Transfer>();
        r.AddOrchestrator<Audit>();
    });
    b.UseSqlite(database);
});
builder.Services.AddDurableTaskClient(b => b.UseSqlite(database));

string[] accounts = ["alice", "bob", "carol"];
using var host = builder.Build();
await host.StartAsync();
try
{
    var client = host.Services.GetRequiredService<DurableTaskClient>();
    foreach (var account in accounts)
    {
        await client.Entities.SignalEntityAsync(new EntityInstanceId(nameof(Account), account), "deposit", 100m);
    }

    var random = new Random(7);
    var transfers = Enumerable.Range(0, 30).Select(_ =>
    {
        var from = accounts[random.Next(accounts.Length)];
        var to = accounts.Where(a => a != from).ElementAt(random.Next(accounts.Length - 1));
        return Run<bool>(nameof(Transfer), new TransferRequest(from, to, random.Next(1, 80)));
    }).ToList();
    var audits = Enumerable.Range(0, 10).Select(_ => Run<decimal>(nameof(Audit), accounts)).ToList();

    var moved = (await Task.WhenAll(transfers)).Count(done => done);
    var totals = await Task.WhenAll(audits);
    Console.WriteLine($"{moved} of {transfers.Count} transfers went through; the others would have overdrawn an account.");
    Console.WriteLine($"Auditors saw totals: {string.Join(", ", totals.Distinct())}");

    var final = await Run<decimal>(nameof(Audit), accounts);
    await foreach (var entity in client.Entities.GetAllEntitiesAsync<decimal>(new EntityQuery { InstanceIdStartsWith = "account@" }))
    {
        Console.WriteLine($"  {entity.Id.Key,-6} {entity.State,8:0.00}  last changed {entity.LastModifiedTime:HH:mm:ss.fff}");
    }

    Console.WriteLine($"Total: {final:0.00}");
    return totals.All(t => t == 300m) && final == 300m ? 0 : 1;

    async Task<T> Run<T>(string orchestrator, object input)
    {
        var id = await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var metadata = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);
        return metadata.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? metadata.ReadOutputAs<T>()!
            : throw new InvalidOperationException($"{orchestrator} {id} ended {metadata.RuntimeStatus}: {metadata.FailureDetails?.ErrorMessage}");
    }
}
finally
{
    await host.StopAsync();
    foreach (var file in new[] { path, path + "-wal", path + "-shm" })
    {
        File.Delete(file);
    }
}
