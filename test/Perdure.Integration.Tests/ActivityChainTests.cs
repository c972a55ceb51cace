using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class ActivityChainTests
{
    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_chain_of_activities_returns_the_combined_output(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<string, string>("Greet", async (ctx, name) =>
            {
                var a = await ctx.CallActivityAsync<string>("Hello", name);
                var b = await ctx.CallActivityAsync<string>("Hello", a);
                return b;
            })
            .AddActivityFunc<string, string>("Hello", (_, s) => $"Hello {s}"));

        var result = await host.RunAsync("Greet", "Tokyo");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("Hello Hello Tokyo", result.ReadOutputAs<string>());
    }
}
