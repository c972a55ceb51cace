using DurableTask.Core.Exceptions;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Client.Tests;

public sealed class ScheduleTests
{
    [Fact]
    public async Task Schedule_NoOptions_CreatesPendingInstanceWithGeneratedIdAndStartMessage()
    {
        await using var harness = new ClientHarness();

        var id = await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", new { Sku = "A1", Quantity = 2 });

        Assert.Matches("^[0-9a-f]{32}$", id);
        var state = await harness.Store.GetInstanceAsync(id, includePayloads: true, CancellationToken.None);
        Assert.NotNull(state);
        Assert.Equal(OrchestrationStatus.Pending, state.Status);
        Assert.Equal("Order", state.Name);
        Assert.Null(state.Version);
        var started = Assert.IsType<ExecutionStartedEvent>(Assert.Single(await harness.PeekInboxAsync(id)));
        Assert.Equal("Order", started.Name);
        Assert.Equal("""{"Sku":"A1","Quantity":2}""", started.Input);
        Assert.Matches("^[0-9a-f]{32}$", started.ExecutionId);
        Assert.Equal(state.ExecutionId, started.ExecutionId);
        Assert.Equal(harness.Time.GetUtcNow(), started.Timestamp);
        Assert.Null(started.ScheduledStartAt);
        Assert.Null(started.Tags);
    }

    [Fact]
    public async Task Schedule_EveryOverload_CreatesAnInstance()
    {
        await using var harness = new ClientHarness();
        var client = harness.Client;

        string[] ids =
        [
            await client.ScheduleNewOrchestrationInstanceAsync("Order", CancellationToken.None),
            await client.ScheduleNewOrchestrationInstanceAsync("Order", (object)"input", CancellationToken.None),
            await client.ScheduleNewOrchestrationInstanceAsync("Order", new StartOrchestrationOptions("given-id")),
            await client.ScheduleNewOrchestrationInstanceAsync("Order", "input", new StartOrchestrationOptions("other-id")),
        ];

        Assert.Equal("given-id", ids[2]);
        Assert.Equal("other-id", ids[3]);
        Assert.Equal(4, ids.Distinct().Count());
        foreach (var id in ids)
        {
            Assert.NotNull(await client.GetInstanceAsync(id));
        }
    }

    [Fact]
    public async Task Schedule_WithOptions_RecordsIdTagsVersionAndDelaysStartUntilStartAt()
    {
        await using var harness = new ClientHarness();
        var startAt = harness.Time.GetUtcNow().AddMinutes(5).ToOffset(TimeSpan.FromHours(2));
        var options = new StartOrchestrationOptions("order-42", startAt)
        {
            Tags = new Dictionary<string, string> { ["tenant"] = "contoso" },
            Version = new TaskVersion("1.5"),
        };

        var id = await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", 42, options);

        Assert.Equal("order-42", id);
        Assert.Empty(await harness.PeekInboxAsync(id));
        harness.Time.Advance(TimeSpan.FromMinutes(5));
        var started = Assert.IsType<ExecutionStartedEvent>(Assert.Single(await harness.PeekInboxAsync(id)));
        Assert.Equal("1.5", started.Version);
        Assert.Equal("42", started.Input);
        Assert.Equal(startAt, started.ScheduledStartAt);
        Assert.Equal(TimeSpan.Zero, started.ScheduledStartAt!.Value.Offset);
        Assert.Equal("contoso", started.Tags!["tenant"]);
        var metadata = await harness.Client.GetInstanceAsync(id);
        Assert.Equal("contoso", metadata!.Tags["tenant"]);
    }

    [Fact]
    public async Task Schedule_NoVersionGiven_UsesDefaultVersionUnlessOptionsNameOne()
    {
        await using var harness = new ClientHarness(new PerdureClientOptions { DefaultVersion = "3.0" });

        var byDefault = await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order");
        var explicitly = await harness.Client.ScheduleNewOrchestrationInstanceAsync(
            "Order", new StartOrchestrationOptions { Version = new TaskVersion("1.0") });

        Assert.Equal("3.0", (await harness.Store.GetInstanceAsync(byDefault, false, CancellationToken.None))!.Version);
        Assert.Equal("1.0", (await harness.Store.GetInstanceAsync(explicitly, false, CancellationToken.None))!.Version);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public async Task Schedule_NullOrEmptyOrchestratorName_ThrowsArgumentNullAndCreatesNothing(string? name)
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(
            () => harness.Client.ScheduleNewOrchestrationInstanceAsync(name is null ? default : new TaskName(name)));

        Assert.Empty(await harness.SnapshotAsync());
    }

    public static TheoryData<string, string> BadInstanceIds => new()
    {
        { "", "empty" },
        { new string('x', PerdureClient.MaxInstanceIdLength + 1), "at most 256" },
        { "line\nbreak", "control character" },
        { "\0nul", "control character" },
        { "tab\there", "control character" },
        { "@counter@c1", "reserved for entity" },
    };

    [Theory]
    [MemberData(nameof(BadInstanceIds))]
    public async Task Schedule_InvalidInstanceId_ThrowsArgumentExceptionNamingTheProblemAndCreatesNothing(string instanceId, string expected)
    {
        await using var harness = new ClientHarness();

        var e = await Assert.ThrowsAsync<ArgumentException>(
            () => harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", new StartOrchestrationOptions(instanceId)));

        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
        Assert.Equal("options", e.ParamName);
        Assert.Empty(await harness.SnapshotAsync());
    }

    [Fact]
    public async Task Schedule_InstanceIdOfMaximumLength_IsAccepted()
    {
        await using var harness = new ClientHarness();
        var instanceId = new string('x', PerdureClient.MaxInstanceIdLength);

        var id = await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", new StartOrchestrationOptions(instanceId));

        Assert.Equal(instanceId, id);
    }

    [Theory]
    [InlineData("Bogus")]
    [InlineData("1")]
    [InlineData("99")]
    [InlineData("ContinuedAsNew")]
    [InlineData("")]
    [InlineData("Completed,Failed")]
    public async Task Schedule_InvalidDedupeStatusName_ThrowsArgumentExceptionAndCreatesNothing(string status)
    {
        await using var harness = new ClientHarness();
        var options = new StartOrchestrationOptions("order-1") { DedupeStatuses = [status] };

        var e = await Assert.ThrowsAsync<ArgumentException>(
            () => harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", options));

        Assert.Contains($"'{status}'", e.Message, StringComparison.Ordinal);
        Assert.Empty(await harness.SnapshotAsync());
    }

    [Fact]
    public async Task Schedule_DedupeTerminatedButRunningReusable_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();
        var options = new StartOrchestrationOptions("order-1").WithDedupeStatuses(
            OrchestrationRuntimeStatus.Terminated, OrchestrationRuntimeStatus.Pending);

        var e = await Assert.ThrowsAsync<ArgumentException>(
            () => harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", options));

        Assert.Contains("Running, Suspended", e.Message, StringComparison.Ordinal);
        Assert.Empty(await harness.SnapshotAsync());
    }

    [Fact]
    public async Task Schedule_DedupeTerminatedWithEveryUnfinishedStatus_IsAccepted()
    {
        await using var harness = new ClientHarness();
        var options = new StartOrchestrationOptions("order-1").WithDedupeStatuses(
            OrchestrationRuntimeStatus.Terminated,
            OrchestrationRuntimeStatus.Pending,
            OrchestrationRuntimeStatus.Running,
            OrchestrationRuntimeStatus.Suspended);

        Assert.Equal("order-1", await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", options));
    }

    [Theory]
    [InlineData(OrchestrationStatus.Pending)]
    [InlineData(OrchestrationStatus.Running)]
    [InlineData(OrchestrationStatus.Suspended)]
    public async Task Schedule_UnfinishedInstanceWithDefaultPolicy_ThrowsOrchestrationAlreadyExistsAndChangesNothing(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", status);
        var before = await harness.SnapshotAsync();

        var e = await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(
            () => harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", new StartOrchestrationOptions("order-1")));

        Assert.Contains("order-1", e.Message, StringComparison.Ordinal);
        Assert.IsType<InstanceAlreadyExistsException>(e.InnerException);
        await harness.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData(OrchestrationStatus.Completed)]
    [InlineData(OrchestrationStatus.Failed)]
    [InlineData(OrchestrationStatus.Terminated)]
    public async Task Schedule_FinishedInstanceWithDefaultPolicy_ReplacesIt(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", status, output: "\"old\"");
        var old = await harness.Store.GetInstanceAsync("order-1", false, CancellationToken.None);

        await harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", "new", new StartOrchestrationOptions("order-1"));

        var state = await harness.Store.GetInstanceAsync("order-1", true, CancellationToken.None);
        Assert.Equal(OrchestrationStatus.Pending, state!.Status);
        Assert.NotEqual(old!.ExecutionId, state.ExecutionId);
        Assert.Equal("\"new\"", state.Input);
        Assert.Null(state.Output);
        Assert.Empty(await harness.Store.GetHistoryAsync("order-1", CancellationToken.None));
    }

    [Fact]
    public async Task Schedule_FinishedInstanceInDedupeStatuses_ThrowsOrchestrationAlreadyExistsAndChangesNothing()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Completed);
        var before = await harness.SnapshotAsync();
        var options = new StartOrchestrationOptions("order-1") { DedupeStatuses = ["completed"] };

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(
            () => harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", options));

        await harness.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task Schedule_RunningInstanceInDedupeStatuses_ThrowsOrchestrationAlreadyExistsWithoutTerminating()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);
        var options = new StartOrchestrationOptions("order-1").WithDedupeStatuses(OrchestrationRuntimeStatus.Running);

        await Assert.ThrowsAsync<OrchestrationAlreadyExistsException>(
            () => harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", options));

        Assert.Empty(await harness.PeekInboxAsync("order-1"));
    }

    [Fact]
    public async Task Schedule_RunningInstanceNotInDedupeStatuses_TerminatesItThenReplacesIt()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);
        var old = await harness.Store.GetInstanceAsync("order-1", false, CancellationToken.None);
        var options = new StartOrchestrationOptions("order-1").WithDedupeStatuses(OrchestrationRuntimeStatus.Completed);
        var workArrived = harness.Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        var schedule = harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", "second", options);
        await workArrived.WaitAsync(ClientHarness.Bound);
        Assert.False(schedule.IsCompleted);
        var consumed = await harness.StepAsync("order-1", OrchestrationStatus.Terminated);
        var id = await schedule.WaitAsync(ClientHarness.Bound);

        Assert.Equal("order-1", id);
        Assert.IsType<ExecutionTerminatedEvent>(Assert.Single(consumed));
        var state = await harness.Store.GetInstanceAsync("order-1", true, CancellationToken.None);
        Assert.Equal(OrchestrationStatus.Pending, state!.Status);
        Assert.Equal("\"second\"", state.Input);
        Assert.NotEqual(old!.ExecutionId, state.ExecutionId);
    }

    [Fact]
    public async Task Schedule_CancelledWhileWaitingForTermination_ThrowsOperationCanceledAndKeepsTheTerminateRequest()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);
        var options = new StartOrchestrationOptions("order-1") { DedupeStatuses = [] };
        using var cancellation = new CancellationTokenSource();
        var workArrived = harness.Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        var schedule = harness.Client.ScheduleNewOrchestrationInstanceAsync("Order", null, options, cancellation.Token);
        await workArrived.WaitAsync(ClientHarness.Bound);
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => schedule.WaitAsync(ClientHarness.Bound));
        Assert.Equal(OrchestrationStatus.Running, (await harness.Store.GetInstanceAsync("order-1", false, CancellationToken.None))!.Status);
        Assert.IsType<ExecutionTerminatedEvent>(Assert.Single(await harness.PeekInboxAsync("order-1")));
    }
}
