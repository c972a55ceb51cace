using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class ActivityTests
{
    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Each_activity_call_gets_its_own_dependency_injection_scope(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(
            store,
            r => r
                .AddOrchestratorFunc<object?, string[]>("TwoCalls", async (ctx, _) =>
                [
                    await ctx.CallActivityAsync<string>(nameof(ScopedIdActivity)),
                    await ctx.CallActivityAsync<string>(nameof(ScopedIdActivity)),
                ])
                .AddActivity<ScopedIdActivity>(),
            configureServices: s => s.AddScoped<ScopedMarker>());

        var result = await host.RunAsync("TwoCalls");

        var ids = result.ReadOutputAs<string[]>()!;
        Assert.Equal(2, ids.Length);
        Assert.NotEqual(ids[0], ids[1]);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_failing_activity_surfaces_as_TaskFailedException_with_details_and_inner_failure(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("CatchIt", async (ctx, _) =>
            {
                try
                {
                    await ctx.CallActivityAsync("Boom");
                    return "no failure";
                }
                catch (TaskFailedException ex)
                {
                    return $"{ex.TaskName}|{ex.FailureDetails.ErrorType}|{ex.FailureDetails.ErrorMessage}|{ex.FailureDetails.InnerFailure?.ErrorType}";
                }
            })
            .AddActivityFunc("Boom", (TaskActivityContext _) =>
                throw new InvalidOperationException("outer", new FormatException("inner"))));

        var result = await host.RunAsync("CatchIt");

        Assert.Equal(
            "Boom|System.InvalidOperationException|outer|System.FormatException",
            result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_uncaught_activity_failure_fails_the_orchestration_with_the_activity_failure_inside(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc("Uncaught", (TaskOrchestrationContext ctx) => ctx.CallActivityAsync("Boom"))
            .AddActivityFunc("Boom", (TaskActivityContext _) => throw new InvalidOperationException("kaput")));

        var result = await host.RunAsync("Uncaught");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.NotNull(result.FailureDetails);
        Assert.Equal(typeof(TaskFailedException).FullName, result.FailureDetails!.ErrorType);
        Assert.Equal("System.InvalidOperationException", result.FailureDetails.InnerFailure?.ErrorType);
        Assert.Equal("kaput", result.FailureDetails.InnerFailure?.ErrorMessage);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Calling_an_unregistered_activity_fails_clearly_instead_of_hanging(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc("CallsMissing", (TaskOrchestrationContext ctx) => ctx.CallActivityAsync<string>("NotThere")));

        var result = await host.RunAsync("CallsMissing");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Contains("No activity named 'NotThere' is registered", result.FailureDetails!.InnerFailure!.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Scheduling_an_unregistered_orchestrator_fails_the_instance_clearly(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, _ => { });

        var result = await host.RunAsync("Nobody");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Contains("No orchestrator named 'Nobody' is registered", result.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_activity_whose_constructor_throws_fails_the_call_with_that_error(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("CallsBroken", async (ctx, _) =>
            {
                try
                {
                    return await ctx.CallActivityAsync<string>(nameof(BrokenActivity));
                }
                catch (TaskFailedException ex)
                {
                    return ex.FailureDetails.ErrorMessage;
                }
            })
            .AddActivity<BrokenActivity>());

        var result = await host.RunAsync("CallsBroken");

        Assert.Equal("no database configured", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_orchestrator_whose_constructor_throws_fails_its_instance_with_that_error(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r.AddOrchestrator<BrokenOrchestrator>());

        var result = await host.RunAsync(nameof(BrokenOrchestrator));

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal("orchestrator misconfigured", result.FailureDetails!.ErrorMessage);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_orchestration_input_the_converter_cannot_read_fails_the_instance_clearly(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<Order, string>("NeedsOrder", (_, order) => order.Id));

        var result = await host.RunAsync("NeedsOrder", "not an order");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Contains("The input of orchestration 'NeedsOrder'", result.FailureDetails!.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains("could not be read as Order", result.FailureDetails.ErrorMessage, StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_activity_input_the_converter_cannot_read_fails_the_call_clearly(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("SendsText", async (ctx, _) =>
            {
                try
                {
                    return await ctx.CallActivityAsync<string>("NeedsOrder", "not an order");
                }
                catch (TaskFailedException ex)
                {
                    return ex.FailureDetails.ErrorMessage;
                }
            })
            .AddActivityFunc<Order, string>("NeedsOrder", (_, order) => order.Id));

        var result = await host.RunAsync("SendsText");

        Assert.StartsWith("The input of activity 'NeedsOrder' could not be read as Order", result.ReadOutputAs<string>(), StringComparison.Ordinal);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Activity_input_and_output_round_trip_through_the_data_converter(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<Order, Receipt>("Checkout", (ctx, order) => ctx.CallActivityAsync<Receipt>("Charge", order))
            .AddActivityFunc<Order, Receipt>("Charge", (ctx, order) => new Receipt(order.Id, order.Quantity * 2.5m, ctx.InstanceId)));

        var id = await host.Client.ScheduleNewOrchestrationInstanceAsync("Checkout", new Order("o-1", 4));
        var result = await host.WaitAsync(id);

        Assert.Equal(new Receipt("o-1", 10m, id), result.ReadOutputAs<Receipt>());
        Assert.Equal(new Order("o-1", 4), result.ReadInputAs<Order>());
    }

    public sealed record Order(string Id, int Quantity);

    public sealed class BrokenActivity : TaskActivity<object?, string>
    {
        public BrokenActivity() => throw new InvalidOperationException("no database configured");

        public override Task<string> RunAsync(TaskActivityContext context, object? input) => Task.FromResult("unreachable");
    }

    public sealed class BrokenOrchestrator : TaskOrchestrator<object?, string>
    {
        public BrokenOrchestrator() => throw new InvalidOperationException("orchestrator misconfigured");

        public override Task<string> RunAsync(TaskOrchestrationContext context, object? input) => Task.FromResult("unreachable");
    }

    public sealed record Receipt(string OrderId, decimal Total, string InstanceId);

    public sealed class ScopedMarker
    {
        public string Id { get; } = Guid.NewGuid().ToString("N");
    }

    public sealed class ScopedIdActivity(ScopedMarker marker) : TaskActivity<object?, string>
    {
        public override Task<string> RunAsync(TaskActivityContext context, object? input) => Task.FromResult(marker.Id);
    }
}
