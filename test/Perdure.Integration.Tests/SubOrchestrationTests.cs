using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class SubOrchestrationTests
{
    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_sub_orchestration_returns_its_output_to_the_parent_and_knows_its_parent(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<int, string>("Child", (ctx, n) => $"{ctx.Parent?.Name}:{ctx.Parent?.InstanceId}:{n * 2}")
            .AddOrchestratorFunc<object?, string>("Parent", (ctx, _) => ctx.CallSubOrchestratorAsync<string>("Child", 21)));

        var result = await host.RunAsync("Parent");

        Assert.Equal($"Parent:{result.InstanceId}:42", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_failing_sub_orchestration_surfaces_as_TaskFailedException_in_the_parent(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc("Child", (TaskOrchestrationContext _) => throw new InvalidOperationException("child broke"))
            .AddOrchestratorFunc<object?, string>("Parent", async (ctx, _) =>
            {
                try
                {
                    await ctx.CallSubOrchestratorAsync("Child");
                    return "no failure";
                }
                catch (TaskFailedException ex)
                {
                    return ex.FailureDetails.ErrorMessage;
                }
            }));

        var result = await host.RunAsync("Parent");

        Assert.Equal("child broke", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_sub_orchestration_started_with_an_explicit_instance_id_is_queryable_under_it(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("Child", (ctx, _) => ctx.InstanceId)
            .AddOrchestratorFunc<string, string>("Parent", (ctx, childId) =>
                ctx.CallSubOrchestratorAsync<string>("Child", options: new SubOrchestrationOptions { InstanceId = childId })));

        var childId = $"child-{Guid.NewGuid():N}";
        var result = await host.RunAsync("Parent", childId);
        var child = await host.Client.GetInstanceAsync(childId, getInputsAndOutputs: true);

        Assert.Equal(childId, result.ReadOutputAs<string>());
        Assert.NotNull(child);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, child!.RuntimeStatus);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Fan_out_over_sub_orchestrations_collects_every_result(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<int, int>("Double", (ctx, n) => ctx.CallActivityAsync<int>("Times2", n))
            .AddActivityFunc<int, int>("Times2", (_, n) => n * 2)
            .AddOrchestratorFunc<object?, int>("Parent", async (ctx, _) =>
                (await Task.WhenAll(Enumerable.Range(1, 20).Select(i => ctx.CallSubOrchestratorAsync<int>("Double", i)))).Sum()));

        var result = await host.RunAsync("Parent");

        Assert.Equal(Enumerable.Range(1, 20).Sum() * 2, result.ReadOutputAs<int>());
    }
}
