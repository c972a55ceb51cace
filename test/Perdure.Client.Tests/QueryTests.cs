using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Converters;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Client.Tests;

public sealed class QueryTests
{
    [Fact]
    public async Task GetInstance_UnknownInstance_ReturnsNull()
    {
        await using var harness = new ClientHarness();

        Assert.Null(await harness.Client.GetInstanceAsync("nobody"));
        Assert.Null(await harness.Client.GetInstanceAsync("nobody", getInputsAndOutputs: true));
        Assert.Null(await harness.Client.GetInstancesAsync("nobody", CancellationToken.None));
    }

    [Fact]
    public async Task GetInstance_WithoutPayloads_LeavesPayloadsFailureAndConverterOut()
    {
        await using var harness = new ClientHarness();
        await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", "in", new StartOrchestrationOptions("order-1"));
        await harness.StepAsync("order-1", OrchestrationStatus.Failed, output: "\"out\"", customStatus: "\"cs\"",
            failure: new FailureDetails("System.Exception", "boom"));

        var metadata = await harness.Client.GetInstanceAsync("order-1", CancellationToken.None);

        Assert.NotNull(metadata);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, metadata.RuntimeStatus);
        Assert.Null(metadata.SerializedInput);
        Assert.Null(metadata.SerializedOutput);
        Assert.Null(metadata.SerializedCustomStatus);
        Assert.Null(metadata.FailureDetails);
        Assert.Null(metadata.DataConverter);
        Assert.Throws<InvalidOperationException>(() => metadata.ReadInputAs<string>());
    }

    [Fact]
    public async Task GetInstance_WithPayloads_MapsTheWholeInstance()
    {
        await using var harness = new ClientHarness();
        var created = harness.Time.GetUtcNow();
        var options = new StartOrchestrationOptions("order-1") { Tags = new Dictionary<string, string> { ["t"] = "v" } };
        await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", "in", options);
        harness.Time.Advance(TimeSpan.FromSeconds(30));
        await harness.StepAsync("order-1", OrchestrationStatus.Completed, output: "\"out\"", customStatus: "\"cs\"");

        var metadata = await harness.Client.GetInstanceAsync("order-1", getInputsAndOutputs: true);

        Assert.NotNull(metadata);
        Assert.Equal("Order", metadata.Name);
        Assert.Equal("order-1", metadata.InstanceId);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.True(metadata.IsCompleted);
        Assert.Equal(created, metadata.CreatedAt);
        Assert.Equal(created.AddSeconds(30), metadata.LastUpdatedAt);
        Assert.Equal(TimeSpan.Zero, metadata.CreatedAt.Offset);
        Assert.Equal("in", metadata.ReadInputAs<string>());
        Assert.Equal("out", metadata.ReadOutputAs<string>());
        Assert.Equal("cs", metadata.ReadCustomStatusAs<string>());
        Assert.Same(JsonDataConverter.Default, metadata.DataConverter);
        Assert.Equal("v", metadata.Tags["t"]);
        Assert.Null(metadata.FailureDetails);
    }

    [Fact]
    public async Task GetInstance_FailedInstance_MapsFailureDetailsWithInnerFailures()
    {
        await using var harness = new ClientHarness();
        await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", new StartOrchestrationOptions("order-1"));
        var failure = new FailureDetails("App.OrderException", "order failed", "at Order()",
            new FailureDetails("System.TimeoutException", "too slow", "at Call()"));
        await harness.StepAsync("order-1", OrchestrationStatus.Failed, failure: failure);

        var metadata = await harness.Client.GetInstancesAsync("order-1", getInputsAndOutputs: true);

        var details = metadata!.FailureDetails;
        Assert.NotNull(details);
        Assert.Equal("App.OrderException", details.ErrorType);
        Assert.Equal("order failed", details.ErrorMessage);
        Assert.Equal("at Order()", details.StackTrace);
        Assert.Equal("System.TimeoutException", details.InnerFailure!.ErrorType);
        Assert.Equal("too slow", details.InnerFailure.ErrorMessage);
        Assert.Null(details.InnerFailure.InnerFailure);
    }

    [Fact]
    public async Task GetInstance_NoTags_ReturnsAnEmptyTagDictionary()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Pending);

        var metadata = await harness.Client.GetInstanceAsync("order-1");

        Assert.Empty(metadata!.Tags);
        Assert.Equal(OrchestrationRuntimeStatus.Pending, metadata.RuntimeStatus);
    }

    [Fact]
    public async Task GetInstance_NullEmptyOrEntityId_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.GetInstanceAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GetInstanceAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GetInstancesAsync("@e@k", true));
    }

    [Fact]
    public void StatusMapping_EveryCoreStatus_HasTheSdkStatusOfTheSameName()
    {
        foreach (var status in Enum.GetValues<OrchestrationStatus>())
        {
            var sdk = SdkMapping.ToSdk(status);
            Assert.Equal(status.ToString(), sdk.ToString());
            Assert.Equal(status, SdkMapping.ToCore(sdk));
        }

        Assert.Equal(Enum.GetValues<OrchestrationStatus>().Length, Enum.GetValues<OrchestrationRuntimeStatus>().Length);
    }

    [Fact]
    public async Task WaitForStart_PendingInstance_CompletesWhenAWorkerStartsIt()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Pending, input: "in");

        var wait = harness.Client.WaitForInstanceStartAsync("order-1", getInputsAndOutputs: true);
        Assert.False(wait.IsCompleted);
        await harness.StepAsync("order-1", OrchestrationStatus.Running);
        var metadata = await wait.WaitAsync(ClientHarness.Bound);

        Assert.Equal(OrchestrationRuntimeStatus.Running, metadata.RuntimeStatus);
        Assert.True(metadata.IsRunning);
        Assert.Equal("in", metadata.ReadInputAs<string>());
    }

    [Fact]
    public async Task WaitForStart_StartedInstance_ReturnsAtOnce()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Completed);

        var metadata = await harness.Client.WaitForInstanceStartAsync("order-1", CancellationToken.None).WaitAsync(ClientHarness.Bound);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
        Assert.Null(metadata.SerializedInput);
    }

    [Fact]
    public async Task WaitForStart_UnknownInstance_ReturnsNull()
    {
        await using var harness = new ClientHarness();

        Assert.Null(await harness.Client.WaitForInstanceStartAsync("nobody").WaitAsync(ClientHarness.Bound));
    }

    [Fact]
    public async Task WaitForStart_Cancelled_ThrowsOperationCanceled()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Pending);
        using var cancellation = new CancellationTokenSource();

        var wait = harness.Client.WaitForInstanceStartAsync("order-1", false, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(ClientHarness.Bound));
    }

    [Theory]
    [InlineData(OrchestrationStatus.Completed)]
    [InlineData(OrchestrationStatus.Failed)]
    [InlineData(OrchestrationStatus.Terminated)]
    public async Task WaitForCompletion_RunningInstance_CompletesWhenItFinishes(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);

        var wait = harness.Client.WaitForInstanceCompletionAsync("order-1", getInputsAndOutputs: true);
        await harness.StepAsync("order-1", OrchestrationStatus.Suspended);
        Assert.False(wait.IsCompleted);
        await harness.Client.ResumeInstanceAsync("order-1");
        await harness.StepAsync("order-1", status, output: "42");
        var metadata = await wait.WaitAsync(ClientHarness.Bound);

        Assert.Equal(SdkMapping.ToSdk(status), metadata.RuntimeStatus);
        Assert.True(metadata.IsCompleted);
        Assert.Equal(42, metadata.ReadOutputAs<int>());
    }

    [Fact]
    public async Task WaitForCompletion_ContinuedAsNew_KeepsWaitingForTheLastExecution()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);

        var wait = harness.Client.WaitForInstanceCompletionAsync("order-1", CancellationToken.None);
        await harness.StepAsync("order-1", OrchestrationStatus.Running, output: "\"round 2\"", newExecutionId: "exec-2");
        Assert.False(wait.IsCompleted);
        await harness.StepAsync("order-1", OrchestrationStatus.Completed);
        var metadata = await wait.WaitAsync(ClientHarness.Bound);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, metadata.RuntimeStatus);
    }

    [Fact]
    public async Task WaitForCompletion_Cancelled_ThrowsOperationCanceled()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);
        using var cancellation = new CancellationTokenSource();

        var wait = harness.Client.WaitForInstanceCompletionAsync("order-1", false, cancellation.Token);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(ClientHarness.Bound));
    }

    [Fact]
    public async Task WaitForCompletion_AlreadyCancelledToken_ThrowsEvenIfTheInstanceHasFinished()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Completed);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => harness.Client.WaitForInstanceCompletionAsync("order-1", false, new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task WaitForCompletion_InstancePurgedWhileWaiting_ReturnsNull()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Pending);

        var wait = harness.Client.WaitForInstanceCompletionAsync("order-1");
        await harness.Store.DeleteTaskHubAsync(CancellationToken.None);

        Assert.Null(await wait.WaitAsync(ClientHarness.Bound));
        Assert.Null(await harness.Client.WaitForInstanceCompletionAsync("order-1").WaitAsync(ClientHarness.Bound));
    }

    [Fact]
    public async Task WaitForCompletionAndStart_NullOrEmptyId_ThrowArgumentExceptions()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.WaitForInstanceCompletionAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.WaitForInstanceCompletionAsync(""));
        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.WaitForInstanceStartAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.WaitForInstanceStartAsync(""));
    }

    [Fact]
    public async Task GetAllInstances_NoFilter_ReturnsEveryInstanceInIdOrder()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("b", OrchestrationStatus.Running);
        await harness.CreateAsync("a", OrchestrationStatus.Completed);
        await harness.CreateAsync("c", OrchestrationStatus.Pending);

        var all = await ToListAsync(harness.Client.GetAllInstancesAsync());

        Assert.Equal(["a", "b", "c"], all.Select(m => m.InstanceId));
        Assert.All(all, m => Assert.Null(m.DataConverter));
    }

    [Fact]
    public async Task GetAllInstances_Filter_AppliesStatusesCreatedRangeAndPrefix()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Completed);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        var from = harness.Time.GetUtcNow();
        await harness.CreateAsync("order-2", OrchestrationStatus.Completed);
        await harness.CreateAsync("order-3", OrchestrationStatus.Running);
        await harness.CreateAsync("refund-1", OrchestrationStatus.Completed);
        harness.Time.Advance(TimeSpan.FromMinutes(1));
        await harness.CreateAsync("order-4", OrchestrationStatus.Completed);

        var query = new OrchestrationQuery(
            CreatedFrom: from,
            CreatedTo: from,
            Statuses: [OrchestrationRuntimeStatus.Completed],
            InstanceIdPrefix: "order-");
        var matches = await ToListAsync(harness.Client.GetAllInstancesAsync(query));

        Assert.Equal("order-2", Assert.Single(matches).InstanceId);
    }

    [Fact]
    public async Task GetAllInstances_PageSize_PagesWithContinuationTokens()
    {
        await using var harness = new ClientHarness();
        foreach (var id in new[] { "i1", "i2", "i3", "i4", "i5" })
        {
            await harness.CreateAsync(id, OrchestrationStatus.Pending);
        }

        var pages = new List<Page<OrchestrationMetadata>>();
        await foreach (var page in harness.Client.GetAllInstancesAsync(new OrchestrationQuery(PageSize: 2)).AsPages())
        {
            pages.Add(page);
        }

        Assert.Equal([2, 2, 1], pages.Select(p => p.Values.Count));
        Assert.Null(pages[^1].ContinuationToken);
        var resumed = new List<string>();
        await foreach (var page in harness.Client.GetAllInstancesAsync(new OrchestrationQuery(PageSize: 2, ContinuationToken: pages[0].ContinuationToken)).AsPages())
        {
            resumed.AddRange(page.Values.Select(v => v.InstanceId));
        }

        Assert.Equal(["i3", "i4", "i5"], resumed);
    }

    [Fact]
    public async Task GetAllInstances_PageSizeHint_OverridesTheQueryPageSize()
    {
        await using var harness = new ClientHarness();
        foreach (var id in new[] { "i1", "i2", "i3", "i4" })
        {
            await harness.CreateAsync(id, OrchestrationStatus.Pending);
        }

        await using var pages = harness.Client.GetAllInstancesAsync(new OrchestrationQuery(PageSize: 1)).AsPages(pageSizeHint: 3).GetAsyncEnumerator();
        Assert.True(await pages.MoveNextAsync());

        Assert.Equal(3, pages.Current.Values.Count);
    }

    [Fact]
    public async Task GetAllInstances_FetchInputsAndOutputs_IncludesPayloads()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Completed, input: "in", output: "\"out\"");

        var metadata = Assert.Single(await ToListAsync(
            harness.Client.GetAllInstancesAsync(new OrchestrationQuery(FetchInputsAndOutputs: true))));

        Assert.Equal("in", metadata.ReadInputAs<string>());
        Assert.Equal("out", metadata.ReadOutputAs<string>());
    }

    [Fact]
    public async Task GetAllInstances_TaskHubNames_SeesOnlyTheClientsTaskHub()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Pending);

        var elsewhere = await ToListAsync(harness.Client.GetAllInstancesAsync(new OrchestrationQuery(TaskHubNames: ["other-hub"])));
        var here = await ToListAsync(harness.Client.GetAllInstancesAsync(new OrchestrationQuery(TaskHubNames: ["other-hub", ClientHarness.TaskHub])));

        Assert.Empty(elsewhere);
        Assert.Single(here);
    }

    [Fact]
    public async Task GetAllInstances_PageSizeNotPositive_ThrowsArgumentOutOfRange()
    {
        await using var harness = new ClientHarness();

        Assert.Throws<ArgumentOutOfRangeException>(() => harness.Client.GetAllInstancesAsync(new OrchestrationQuery(PageSize: 0)));
    }

    [Fact]
    public async Task GetAllInstances_ForeignContinuationToken_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentException>(
            () => ToListAsync(harness.Client.GetAllInstancesAsync(new OrchestrationQuery(ContinuationToken: "not-a-token"))));
    }

    [Fact]
    public async Task ListInstanceIds_CompletedTimeRange_ReturnsFinishedInstancesPageByPage()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("early", OrchestrationStatus.Completed);
        harness.Time.Advance(TimeSpan.FromHours(1));
        var from = harness.Time.GetUtcNow();
        await harness.CreateAsync("f1", OrchestrationStatus.Failed);
        await harness.CreateAsync("f2", OrchestrationStatus.Completed);
        await harness.CreateAsync("f3", OrchestrationStatus.Terminated);
        await harness.CreateAsync("running", OrchestrationStatus.Running);

        var first = await harness.Client.ListInstanceIdsAsync(completedTimeFrom: from, completedTimeTo: from, pageSize: 2);
        var second = await harness.Client.ListInstanceIdsAsync(
            completedTimeFrom: from, completedTimeTo: from, pageSize: 2, lastInstanceKey: first.ContinuationToken);

        Assert.Equal(["f1", "f2"], first.Values);
        Assert.NotNull(first.ContinuationToken);
        Assert.Equal(["f3"], second.Values);
        Assert.Null(second.ContinuationToken);
    }

    [Fact]
    public async Task ListInstanceIds_RuntimeStatus_FiltersByStatus()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("a", OrchestrationStatus.Completed);
        await harness.CreateAsync("b", OrchestrationStatus.Running);
        await harness.CreateAsync("c", OrchestrationStatus.Pending);

        var page = await harness.Client.ListInstanceIdsAsync(
            [OrchestrationRuntimeStatus.Running, OrchestrationRuntimeStatus.Pending]);

        Assert.Equal(["b", "c"], page.Values);
        Assert.Null(page.ContinuationToken);
    }

    [Fact]
    public async Task ListInstanceIds_PageSizeNotPositive_ThrowsArgumentOutOfRange()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => harness.Client.ListInstanceIdsAsync(pageSize: 0));
    }

    private static async Task<List<OrchestrationMetadata>> ToListAsync(AsyncPageable<OrchestrationMetadata> pageable)
    {
        var list = new List<OrchestrationMetadata>();
        await foreach (var metadata in pageable)
        {
            list.Add(metadata);
        }

        return list;
    }
}
