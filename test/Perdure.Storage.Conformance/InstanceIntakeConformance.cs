using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>Creating instances (id reuse, scheduled start) and sending messages to them.</summary>
public abstract class InstanceIntakeConformance : StoreConformanceBase
{
    [Fact]
    public async Task CreateInstance_NewId_IsPendingWithItsFields()
    {
        var parent = new ParentInstance("Parent", "parent-1", "parent-exec", 4);
        var request = NewInstanceRequest("order-1", "Checkout", "\"input\"", parent: parent);
        request = request with
        {
            Started = request.Started with
            {
                Version = "v2",
                Tags = new Dictionary<string, string> { ["team"] = "payments" },
                TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            },
        };

        await Store.CreateInstanceAsync(request, Ct);

        var state = await GetRequiredAsync("order-1");
        Assert.Equal("order-1", state.InstanceId);
        Assert.Equal(request.Started.ExecutionId, state.ExecutionId);
        Assert.Equal("Checkout", state.Name);
        Assert.Equal("v2", state.Version);
        Assert.Equal(OrchestrationStatus.Pending, state.Status);
        Assert.Equal("\"input\"", state.Input);
        Assert.Null(state.Output);
        Assert.Null(state.Failure);
        Assert.Equal(Epoch, state.CreatedAt);
        Assert.Equal(Epoch, state.LastUpdatedAt);
        Assert.Null(state.CompletedAt);
        Assert.Null(state.ScheduledStartAt);
        Assert.Equal(parent, state.Parent);
        Assert.Equal("payments", Assert.Contains("team", state.Tags!));
        Assert.Equal(request.Started.TraceParent, state.TraceParent);
    }

    [Fact]
    public async Task CreateInstance_NewId_PutsExecutionStartedInItsInbox()
    {
        var request = await CreateInstanceAsync("order-1", "\"input\"");

        var workItem = await ClaimAsync();

        Assert.Equal("order-1", workItem.InstanceId);
        Assert.Equal(0, workItem.HistoryLength);
        var message = Assert.Single(workItem.Messages);
        Assert.Equal("order-1", message.InstanceId);
        Assert.True(message.MessageId > 0);
        var started = Assert.IsType<ExecutionStartedEvent>(message.Event);
        Assert.Equal(request.Started.ExecutionId, started.ExecutionId);
        Assert.Equal(DefaultName, started.Name);
        Assert.Equal("\"input\"", started.Input);
    }

    [Fact]
    public async Task CreateInstance_ScheduledStart_NotClaimableUntilThen()
    {
        var startAt = Epoch.AddMinutes(5);
        await Store.CreateInstanceAsync(NewInstanceRequest("later", scheduledStartAt: startAt), Ct);

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Equal(startAt, await Store.GetNextWorkDueAsync(WorkItemKind.Orchestration, Ct));
        var state = await GetRequiredAsync("later");
        Assert.Equal(OrchestrationStatus.Pending, state.Status);
        Assert.Equal(startAt, state.ScheduledStartAt);

        Time.Advance(TimeSpan.FromMinutes(4));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));

        Time.Advance(TimeSpan.FromMinutes(1));
        var workItem = await ClaimAsync();
        Assert.Equal("later", workItem.InstanceId);
        Assert.IsType<ExecutionStartedEvent>(Assert.Single(workItem.Messages).Event);
    }

    [Theory]
    [InlineData(OrchestrationStatus.Pending)]
    [InlineData(OrchestrationStatus.Running)]
    [InlineData(OrchestrationStatus.Suspended)]
    public async Task CreateInstance_ExistingNotTerminal_ThrowsAndChangesNothing(OrchestrationStatus status)
    {
        var original = await CreateInStatusAsync("order-1", status);
        var historyBefore = await Store.GetHistoryAsync("order-1", Ct);
        var stateBefore = await GetRequiredAsync("order-1");
        Time.Advance(TimeSpan.FromSeconds(1));

        var ex = await Assert.ThrowsAsync<InstanceAlreadyExistsException>(
            () => Store.CreateInstanceAsync(NewInstanceRequest("order-1", "Other", "\"other\""), Ct));

        Assert.Equal("order-1", ex.InstanceId);
        Assert.Equal(status, ex.Status);
        var stateAfter = await GetRequiredAsync("order-1");
        Assert.Equal(original.Started.ExecutionId, stateAfter.ExecutionId);
        Assert.Equal(stateBefore.Status, stateAfter.Status);
        Assert.Equal(stateBefore.Name, stateAfter.Name);
        Assert.Equal(stateBefore.Input, stateAfter.Input);
        Assert.Equal(stateBefore.LastUpdatedAt, stateAfter.LastUpdatedAt);
        Assert.Equal(historyBefore.Count, (await Store.GetHistoryAsync("order-1", Ct)).Count);
    }

    [Fact]
    public async Task CreateInstance_ExistingPending_KeepsOnlyTheOriginalStartMessage()
    {
        var original = await CreateInstanceAsync("order-1");

        await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => Store.CreateInstanceAsync(NewInstanceRequest("order-1"), Ct));

        var workItem = await ClaimAsync();
        var started = Assert.IsType<ExecutionStartedEvent>(Assert.Single(workItem.Messages).Event);
        Assert.Equal(original.Started.ExecutionId, started.ExecutionId);
    }

    [Theory]
    [InlineData(OrchestrationStatus.Completed)]
    [InlineData(OrchestrationStatus.Failed)]
    [InlineData(OrchestrationStatus.Terminated)]
    public async Task CreateInstance_ExistingTerminal_ReplacesInstanceHistoryAndInbox(OrchestrationStatus status)
    {
        await CreateInStatusAsync("order-1", status);
        await Store.SendMessageAsync(EventMessage("order-1", "late"), Ct);
        Assert.NotEmpty(await Store.GetHistoryAsync("order-1", Ct));
        Time.Advance(TimeSpan.FromMinutes(1));

        var replacement = NewInstanceRequest("order-1", "Replacement", "\"second\"");
        await Store.CreateInstanceAsync(replacement, Ct);

        var state = await GetRequiredAsync("order-1");
        Assert.Equal(OrchestrationStatus.Pending, state.Status);
        Assert.Equal(replacement.Started.ExecutionId, state.ExecutionId);
        Assert.Equal("Replacement", state.Name);
        Assert.Equal("\"second\"", state.Input);
        Assert.Null(state.Output);
        Assert.Null(state.Failure);
        Assert.Null(state.CompletedAt);
        Assert.Empty(await Store.GetHistoryAsync("order-1", Ct));
        var workItem = await ClaimAsync();
        Assert.Equal(0, workItem.HistoryLength);
        var started = Assert.IsType<ExecutionStartedEvent>(Assert.Single(workItem.Messages).Event);
        Assert.Equal(replacement.Started.ExecutionId, started.ExecutionId);
    }

    [Fact]
    public async Task CreateInstance_ExistingStatusInDedupeStatuses_ThrowsAndChangesNothing()
    {
        var original = await CreateInStatusAsync("order-1", OrchestrationStatus.Completed);

        var ex = await Assert.ThrowsAsync<InstanceAlreadyExistsException>(() => Store.CreateInstanceAsync(
            NewInstanceRequest("order-1", dedupeStatuses: [OrchestrationStatus.Completed, OrchestrationStatus.Failed]), Ct));

        Assert.Equal(OrchestrationStatus.Completed, ex.Status);
        var state = await GetRequiredAsync("order-1");
        Assert.Equal(OrchestrationStatus.Completed, state.Status);
        Assert.Equal(original.Started.ExecutionId, state.ExecutionId);
        Assert.NotEmpty(await Store.GetHistoryAsync("order-1", Ct));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
    }

    [Fact]
    public async Task CreateInstance_ExistingStatusNotInDedupeStatuses_Replaces()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Failed);

        var replacement = NewInstanceRequest("order-1", dedupeStatuses: [OrchestrationStatus.Completed]);
        await Store.CreateInstanceAsync(replacement, Ct);

        var state = await GetRequiredAsync("order-1");
        Assert.Equal(OrchestrationStatus.Pending, state.Status);
        Assert.Equal(replacement.Started.ExecutionId, state.ExecutionId);
    }

    [Fact]
    public async Task SendMessage_UnknownInstance_ThrowsInstanceNotFound()
    {
        var ex = await Assert.ThrowsAsync<InstanceNotFoundException>(() => Store.SendMessageAsync(EventMessage("missing", "approve"), Ct));

        Assert.Equal("missing", ex.InstanceId);
        Assert.Null(await Store.GetInstanceAsync("missing", includePayloads: false, Ct));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
    }

    [Fact]
    public async Task SendMessage_ExistingInstance_DeliveredAfterEarlierMessages()
    {
        await CreateInstanceAsync("order-1");

        await Store.SendMessageAsync(EventMessage("order-1", "first", "1"), Ct);
        await Store.SendMessageAsync(EventMessage("order-1", "second", "2"), Ct);

        var workItem = await ClaimAsync();
        Assert.Collection(
            workItem.Messages,
            m => Assert.IsType<ExecutionStartedEvent>(m.Event),
            m => Assert.Equal("first", Assert.IsType<EventRaisedEvent>(m.Event).Name),
            m => Assert.Equal("second", Assert.IsType<EventRaisedEvent>(m.Event).Name));
        Assert.Equal("2", ((EventRaisedEvent)workItem.Messages[2].Event).Input);
        Assert.True(workItem.Messages[0].MessageId < workItem.Messages[1].MessageId);
        Assert.True(workItem.Messages[1].MessageId < workItem.Messages[2].MessageId);
    }

    [Fact]
    public async Task SendMessage_ToTerminalInstance_IsAccepted()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Completed);

        await Store.SendMessageAsync(EventMessage("order-1", "late"), Ct);

        var workItem = await ClaimAsync();
        Assert.Equal("late", Assert.IsType<EventRaisedEvent>(Assert.Single(workItem.Messages).Event).Name);
    }

    [Fact]
    public async Task SendMessage_VisibleAtInFuture_HiddenUntilThen()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Running);
        var visibleAt = Epoch.AddSeconds(30);

        await Store.SendMessageAsync(EventMessage("order-1", "later", visibleAt: visibleAt), Ct);

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Equal(visibleAt, await Store.GetNextWorkDueAsync(WorkItemKind.Orchestration, Ct));
        Time.Advance(TimeSpan.FromSeconds(30));
        var workItem = await ClaimAsync();
        Assert.Equal("later", Assert.IsType<EventRaisedEvent>(Assert.Single(workItem.Messages).Event).Name);
    }
}
