using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Core.InMemory;
using Perdure.Core.Storage;

namespace Perdure.Client.Tests;

public sealed class ConstructionTests
{
    [Fact]
    public void Ctor_NullStore_ThrowsArgumentNull()
    {
        Assert.Throws<ArgumentNullException>(() => new PerdureClient("test", store: null!));
    }

    [Fact]
    public async Task Ctor_ActivatorUtilities_UsesNamedOptionsStoreFactoryAndTimeProvider()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2030, 1, 2, 3, 4, 5, TimeSpan.Zero));
        await using var store = new InMemoryStore("di-hub", time);
        string? requestedHub = null;
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(time);
        services.Configure<PerdureClientOptions>("named", o =>
        {
            o.TaskHub = "di-hub";
            o.DefaultVersion = "2.0";
            o.StoreFactory = (_, hub) =>
            {
                requestedHub = hub;
                return store;
            };
        });
        await using var provider = services.BuildServiceProvider();

        var client = ActivatorUtilities.CreateInstance<PerdureClient>(provider, "named");
        var id = await client.ScheduleNewOrchestrationInstanceAsync("Order");

        Assert.Equal("named", client.Name);
        Assert.Equal("di-hub", requestedHub);
        Assert.Equal("di-hub", client.TaskHub);
        var started = Assert.IsType<ExecutionStartedEvent>(Assert.Single(await PeekAsync(store, id)));
        Assert.Equal(time.GetUtcNow(), started.Timestamp);
        Assert.Equal("2.0", started.Version);
    }

    [Fact]
    public async Task Ctor_ActivatorUtilitiesWithoutStoreFactory_ThrowsInvalidOperationNamingTheFix()
    {
        var services = new ServiceCollection();
        services.AddOptions<PerdureClientOptions>();
        await using var provider = services.BuildServiceProvider();

        var e = Assert.Throws<InvalidOperationException>(
            () => ActivatorUtilities.CreateInstance<PerdureClient>(provider, "unconfigured"));

        Assert.Contains("UseInMemory", e.Message, StringComparison.Ordinal);
        Assert.Contains("UseSqlite", e.Message, StringComparison.Ordinal);
        Assert.Contains("'unconfigured'", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ctor_InvalidTaskHubInOptions_ThrowsArgumentException()
    {
        var services = new ServiceCollection();
        services.Configure<PerdureClientOptions>(o =>
        {
            o.TaskHub = "no spaces allowed";
            o.StoreFactory = (_, hub) => new InMemoryStore(hub);
        });
        await using var provider = services.BuildServiceProvider();

        Assert.Throws<ArgumentException>(() => ActivatorUtilities.CreateInstance<PerdureClient>(provider, Options.DefaultName));
    }

    [Fact]
    public async Task AddDurableTaskClient_UseBuildTarget_ResolvesPerdureClientOverTheStore()
    {
        await using var store = new InMemoryStore(TaskHubName.Default);
        var services = new ServiceCollection();
        services.AddDurableTaskClient(b => b.UseBuildTarget<PerdureClient, PerdureClientOptions>());
        services.Configure<PerdureClientOptions>(Options.DefaultName, o => o.StoreFactory = (_, _) => store);
        await using var provider = services.BuildServiceProvider();

        var client = provider.GetRequiredService<DurableTaskClient>();
        var id = await client.ScheduleNewOrchestrationInstanceAsync("Order");

        Assert.IsType<PerdureClient>(client);
        Assert.NotNull(await store.GetInstanceAsync(id, includePayloads: false, CancellationToken.None));
    }

    [Fact]
    public async Task Ctor_OptionsDataConverter_SerializesInputsAndReadsOutputs()
    {
        var converter = new UpperCaseConverter();
        await using var harness = new ClientHarness(new PerdureClientOptions { DataConverter = converter });

        var id = await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", "abc");
        await harness.StepAsync(id, OrchestrationStatus.Completed, output: "DONE");
        var metadata = await harness.Client.GetInstanceAsync(id, getInputsAndOutputs: true);

        Assert.Equal("ABC", (await harness.Store.GetInstanceAsync(id, true, CancellationToken.None))!.Input);
        Assert.Same(converter, metadata!.DataConverter);
        Assert.Equal("done", metadata.ReadOutputAs<string>());
    }

    [Fact]
    public async Task DisposeAsync_LeavesTheStoreUsable()
    {
        await using var harness = new ClientHarness();

        await harness.Client.DisposeAsync();
        var id = await harness.Store.QueryInstancesAsync(new InstanceQuery(), CancellationToken.None);

        Assert.Empty(id.Instances);
    }

    private static async Task<IReadOnlyList<HistoryEvent>> PeekAsync(InMemoryStore store, string instanceId)
    {
        var workItem = await store.ClaimOrchestrationAsync("peek", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(workItem);
        Assert.Equal(instanceId, workItem.InstanceId);
        await store.AbandonOrchestrationAsync(workItem, TimeSpan.Zero, CancellationToken.None);
        return [.. workItem.Messages.Select(m => m.Event)];
    }

    private sealed class UpperCaseConverter : DataConverter
    {
        public override string? Serialize(object? value) => value is string s ? s.ToUpperInvariant() : null;

        public override object? Deserialize(string? data, Type targetType) => data?.ToLowerInvariant();
    }
}
