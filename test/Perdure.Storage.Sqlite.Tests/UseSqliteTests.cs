using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.Engine;

namespace Perdure.Storage.Sqlite.Tests;

/// <summary>UseSqlite on the worker and client builders, the way users write it.</summary>
public sealed class UseSqliteTests : IDisposable
{
    private readonly TempDatabase _database = new();

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task UseSqlite_WorkerAndClientOnOneFile_RunAnOrchestrationThroughOneSharedStore()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(r => r
                .AddOrchestratorFunc<string, string>("Greet", async (ctx, name) =>
                    await ctx.CallActivityAsync<string>("Hello", await ctx.CallActivityAsync<string>("Hello", name)))
                .AddActivityFunc<string, string>("Hello", (_, s) => $"Hello {s}"));
            b.UseSqlite(_database.ConnectionString, o => o.TaskHub = "shop");
        });
        // A relative spelling of the same file still names the same store.
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, _database.Path);
        builder.Services.AddDurableTaskClient(b => b.UseSqlite($"Data Source={relative}", o => o.TaskHub = "shop"));
        using var host = builder.Build();
        await host.StartAsync();
        var store = (SqliteStore)host.Services.GetServices<IHostedService>().OfType<PerdureWorker>().Single().Store;
        var client = host.Services.GetRequiredService<DurableTaskClient>();
        var requestsBefore = store.WriteRequests;

        var id = await client.ScheduleNewOrchestrationInstanceAsync("Greet", "Tokyo");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("Hello Hello Tokyo", result.ReadOutputAs<string>());
        Assert.Equal("shop", store.TaskHub);
        Assert.Equal(_database.Path, store.DatabasePath);
        Assert.True(store.WriteRequests > requestsBefore, "The client's writes went through the worker's store.");
        await host.StopAsync();
    }

    [Theory]
    [InlineData("")]
    [InlineData("Data Source=:memory:")]
    public void UseSqlite_ConnectionStringWithoutAFile_RefusedWhereItIsGiven(string connectionString)
    {
        var services = new ServiceCollection();

        Assert.ThrowsAny<ArgumentException>(() => services.AddDurableTaskWorker(b => b.UseSqlite(connectionString)));
        Assert.ThrowsAny<ArgumentException>(() => services.AddDurableTaskClient(b => b.UseSqlite(connectionString)));
    }
}
