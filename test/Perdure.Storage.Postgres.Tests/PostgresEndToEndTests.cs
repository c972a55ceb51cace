using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.Storage.Postgres.Tests.Conformance;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// The engine and the SDK client over the PostgreSQL store, worker and client on stores of their own (as separate
/// processes would be), wired with the generic UsePerdureStore until UsePostgres exists.
/// </summary>
public sealed class PostgresEndToEndTests(PostgresSchemaFixture schema) : IClassFixture<PostgresSchemaFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Orchestrations_with_activities_sub_orchestrations_events_and_timers_complete_on_PostgreSQL()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var taskHub = "e2e_" + Guid.NewGuid().ToString("N");
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(r => r
                .AddOrchestratorFunc<string, string>("Greet", async (ctx, name) =>
                {
                    var a = await ctx.CallActivityAsync<string>("Hello", name);
                    var b = await ctx.CallSubOrchestratorAsync<string>("Twice", a);
                    var approval = await ctx.WaitForExternalEvent<string>("approve");
                    await ctx.CreateTimer(TimeSpan.FromMilliseconds(50), CancellationToken.None);
                    return $"{b} ({approval})";
                })
                .AddOrchestratorFunc<string, string>("Twice", async (ctx, s) =>
                {
                    var results = await Task.WhenAll(ctx.CallActivityAsync<string>("Hello", s), ctx.CallActivityAsync<string>("Hello", "again"));
                    return string.Join(", ", results);
                })
                .AddActivityFunc<string, string>("Hello", (_, s) => $"Hello {s}"));
            b.UsePerdureStore((_, hub) => schema.CreateStore(hub, TimeProvider.System), o => o.TaskHub = taskHub);
        });
        builder.Services.AddDurableTaskClient(b => b.UsePerdureStore((_, hub) => schema.CreateStore(hub, TimeProvider.System), o => o.TaskHub = taskHub));
        using var host = builder.Build();
        await host.StartAsync(timeout.Token);
        try
        {
            var client = host.Services.GetRequiredService<DurableTaskClient>();
            var id = await client.ScheduleNewOrchestrationInstanceAsync("Greet", "Tokyo", timeout.Token);
            await client.WaitForInstanceStartAsync(id, timeout.Token);
            await client.RaiseEventAsync(id, "approve", "yes", timeout.Token);

            var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, timeout.Token);

            Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
            Assert.Equal("Hello Hello Tokyo, Hello again (yes)", result.ReadOutputAs<string>());
            var purged = await client.PurgeInstanceAsync(id, new PurgeInstanceOptions { Recursive = true }, timeout.Token);
            Assert.Equal(2, purged.PurgedInstanceCount);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
