using Perdure.Core;

namespace Perdure.Storage.Conformance;

/// <summary>Reading one instance and querying many, with filters and paging.</summary>
public abstract class QueryConformance : StoreConformanceBase
{
    private async Task CompleteWithCustomStatusAsync(string instanceId)
    {
        var workItem = await ClaimInstanceAsync(instanceId);
        var checkpoint = CheckpointOf(workItem, OrchestrationStatus.Completed);
        await Store.CompleteOrchestrationAsync(
            workItem, checkpoint with { Instance = checkpoint.Instance with { CustomStatus = "\"custom\"" } }, Ct);
    }

    [Fact]
    public async Task GetInstance_UnknownInstance_ReturnsNull()
    {
        Assert.Null(await Store.GetInstanceAsync("missing", includePayloads: true, Ct));
    }

    [Fact]
    public async Task GetInstance_WithPayloads_ReturnsInputOutputAndCustomStatus()
    {
        await CreateInstanceAsync("order-1", "\"input\"");
        await CompleteWithCustomStatusAsync("order-1");

        var state = await Store.GetInstanceAsync("order-1", includePayloads: true, Ct);

        Assert.NotNull(state);
        Assert.Equal("\"input\"", state.Input);
        Assert.Equal("\"done\"", state.Output);
        Assert.Equal("\"custom\"", state.CustomStatus);
    }

    [Fact]
    public async Task GetInstance_WithoutPayloads_OmitsPayloadsButKeepsTheRest()
    {
        var request = await CreateInstanceAsync("order-1", "\"input\"", "Checkout");
        await CompleteWithCustomStatusAsync("order-1");

        var state = await Store.GetInstanceAsync("order-1", includePayloads: false, Ct);

        Assert.NotNull(state);
        Assert.Null(state.Input);
        Assert.Null(state.Output);
        Assert.Null(state.CustomStatus);
        Assert.Equal("order-1", state.InstanceId);
        Assert.Equal(request.Started.ExecutionId, state.ExecutionId);
        Assert.Equal("Checkout", state.Name);
        Assert.Equal(OrchestrationStatus.Completed, state.Status);
        Assert.Equal(Epoch, state.CreatedAt);
        Assert.Equal(Epoch, state.CompletedAt);
    }

    [Fact]
    public async Task QueryInstances_EmptyHub_ReturnsAnEmptyLastPage()
    {
        var page = await Store.QueryInstancesAsync(new InstanceQuery(), Ct);

        Assert.Empty(page.Instances);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task QueryInstances_NoFilter_ReturnsAllOrderedByInstanceId()
    {
        foreach (var id in new[] { "c", "a-2", "b", "a" })
        {
            await CreateInstanceAsync(id);
        }

        var page = await Store.QueryInstancesAsync(new InstanceQuery(), Ct);

        Assert.Equal(["a", "a-2", "b", "c"], page.Instances.Select(s => s.InstanceId));
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task QueryInstances_ByStatus_ReturnsOnlyThoseStatuses()
    {
        await CreateInStatusAsync("completed", OrchestrationStatus.Completed);
        await CreateInStatusAsync("failed", OrchestrationStatus.Failed);
        await CreateInStatusAsync("running", OrchestrationStatus.Running);
        await CreateInStatusAsync("suspended", OrchestrationStatus.Suspended);
        await CreateInStatusAsync("pending", OrchestrationStatus.Pending);

        var terminal = await QueryAllAsync(new InstanceQuery { Statuses = [OrchestrationStatus.Completed, OrchestrationStatus.Failed] });
        var pending = await QueryAllAsync(new InstanceQuery { Statuses = [OrchestrationStatus.Pending] });
        var all = await QueryAllAsync(new InstanceQuery { Statuses = [] });

        Assert.Equal(["completed", "failed"], terminal.Select(s => s.InstanceId));
        Assert.Equal("pending", Assert.Single(pending).InstanceId);
        Assert.Equal(5, all.Count);
    }

    [Fact]
    public async Task QueryInstances_ByCreatedRange_BoundsAreInclusive()
    {
        await CreateInstanceAsync("t0");
        Time.Advance(TimeSpan.FromMinutes(1));
        await CreateInstanceAsync("t1");
        Time.Advance(TimeSpan.FromMinutes(1));
        await CreateInstanceAsync("t2");

        var from = await QueryAllAsync(new InstanceQuery { CreatedFrom = Epoch.AddMinutes(1) });
        var to = await QueryAllAsync(new InstanceQuery { CreatedTo = Epoch.AddMinutes(1) });
        var between = await QueryAllAsync(new InstanceQuery { CreatedFrom = Epoch.AddMinutes(1), CreatedTo = Epoch.AddMinutes(1) });

        Assert.Equal(["t1", "t2"], from.Select(s => s.InstanceId));
        Assert.Equal(["t0", "t1"], to.Select(s => s.InstanceId));
        Assert.Equal("t1", Assert.Single(between).InstanceId);
    }

    [Fact]
    public async Task QueryInstances_ByCompletedRange_BoundsAreInclusiveAndUnfinishedExcluded()
    {
        await CreateInStatusAsync("c0", OrchestrationStatus.Completed);
        Time.Advance(TimeSpan.FromMinutes(1));
        await CreateInStatusAsync("c1", OrchestrationStatus.Failed);
        Time.Advance(TimeSpan.FromMinutes(1));
        await CreateInStatusAsync("c2", OrchestrationStatus.Terminated);
        await CreateInStatusAsync("running", OrchestrationStatus.Running);

        var from = await QueryAllAsync(new InstanceQuery { CompletedFrom = Epoch.AddMinutes(1) });
        var to = await QueryAllAsync(new InstanceQuery { CompletedTo = Epoch.AddMinutes(1) });
        var between = await QueryAllAsync(new InstanceQuery { CompletedFrom = Epoch.AddMinutes(1), CompletedTo = Epoch.AddMinutes(1) });

        Assert.Equal(["c1", "c2"], from.Select(s => s.InstanceId));
        Assert.Equal(["c0", "c1"], to.Select(s => s.InstanceId));
        Assert.Equal("c1", Assert.Single(between).InstanceId);
    }

    [Fact]
    public async Task QueryInstances_ByInstanceIdPrefix_ReturnsOnlyMatchingIds()
    {
        foreach (var id in new[] { "order-1", "order-2", "Order-3", "invoice-1", "order" })
        {
            await CreateInstanceAsync(id);
        }

        var orders = await QueryAllAsync(new InstanceQuery { InstanceIdPrefix = "order-" });

        Assert.Equal(["order-1", "order-2"], orders.Select(s => s.InstanceId));
    }

    [Fact]
    public async Task QueryInstances_ByName_MatchesIgnoringCase()
    {
        await CreateInstanceAsync("a", name: "Checkout");
        await CreateInstanceAsync("b", name: "checkout");
        await CreateInstanceAsync("c", name: "Refund");

        var checkouts = await QueryAllAsync(new InstanceQuery { Name = "CHECKOUT" });

        Assert.Equal(["a", "b"], checkouts.Select(s => s.InstanceId));
    }

    [Fact]
    public async Task QueryInstances_CombinedFilters_AllApply()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Completed);
        await CreateInStatusAsync("order-2", OrchestrationStatus.Running);
        await CreateInStatusAsync("invoice-1", OrchestrationStatus.Completed);

        var result = await QueryAllAsync(new InstanceQuery { InstanceIdPrefix = "order-", Statuses = [OrchestrationStatus.Completed] });

        Assert.Equal("order-1", Assert.Single(result).InstanceId);
    }

    [Fact]
    public async Task QueryInstances_Paging_CoversEveryInstanceExactlyOnce()
    {
        var ids = Enumerable.Range(0, 23).Select(i => $"item-{i:D2}").ToList();
        foreach (var id in ids.AsEnumerable().Reverse())
        {
            await CreateInstanceAsync(id);
        }

        var pages = new List<InstancePage>();
        string? token = null;
        do
        {
            var page = await Store.QueryInstancesAsync(new InstanceQuery { PageSize = 5, ContinuationToken = token }, Ct);
            pages.Add(page);
            token = page.ContinuationToken;
        }
        while (token is not null && pages.Count <= ids.Count);

        Assert.All(pages, p => Assert.InRange(p.Instances.Count, 0, 5));
        Assert.Equal(5, pages[0].Instances.Count);
        Assert.Equal(ids, pages.SelectMany(p => p.Instances).Select(s => s.InstanceId));
        Assert.Null(pages[^1].ContinuationToken);
    }

    [Fact]
    public async Task QueryInstances_PagingWithFilter_CoversEveryMatchExactlyOnce()
    {
        for (var i = 0; i < 10; i++)
        {
            await CreateInstanceAsync($"order-{i}");
            await CreateInstanceAsync($"other-{i}");
        }

        var orders = await QueryAllAsync(new InstanceQuery { InstanceIdPrefix = "order-", PageSize = 3 });

        Assert.Equal(Enumerable.Range(0, 10).Select(i => $"order-{i}"), orders.Select(s => s.InstanceId));
    }

    [Fact]
    public async Task QueryInstances_PayloadsRequested_IncludesThem()
    {
        await CreateInstanceAsync("order-1", "\"input\"");
        await CompleteWithCustomStatusAsync("order-1");

        var withPayloads = Assert.Single((await Store.QueryInstancesAsync(new InstanceQuery { IncludePayloads = true }, Ct)).Instances);
        var without = Assert.Single((await Store.QueryInstancesAsync(new InstanceQuery { IncludePayloads = false }, Ct)).Instances);

        Assert.Equal("\"input\"", withPayloads.Input);
        Assert.Equal("\"done\"", withPayloads.Output);
        Assert.Equal("\"custom\"", withPayloads.CustomStatus);
        Assert.Null(without.Input);
        Assert.Null(without.Output);
        Assert.Null(without.CustomStatus);
        Assert.Equal(OrchestrationStatus.Completed, without.Status);
    }

    [Theory]
    [InlineData("not-a-token")]
    [InlineData("p1.%%%")]
    public async Task QueryInstances_ForeignContinuationToken_ThrowsArgumentException(string token)
    {
        await CreateInstanceAsync("order-1");

        await Assert.ThrowsAnyAsync<ArgumentException>(
            () => Store.QueryInstancesAsync(new InstanceQuery { ContinuationToken = token }, Ct));
    }
}
