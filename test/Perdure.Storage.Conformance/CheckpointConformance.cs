using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>What one committed step writes: history, the instance row, consumed messages, and outbound work.</summary>
public abstract class CheckpointConformance : StoreConformanceBase
{
    [Fact]
    public async Task CompleteOrchestration_NewEvents_AppendedToHistoryInOrder()
    {
        await CreateInstanceAsync("order-1");
        var first = await ClaimAsync();
        await Store.CompleteOrchestrationAsync(first, CheckpointOf(first) with
        {
            NewEvents = [.. CheckpointOf(first).NewEvents, new TaskScheduledEvent { EventId = 0, Name = "Charge", Input = "42" }],
        }, Ct);
        await Store.SendMessageAsync(EventMessage("order-1", "approve"), Ct);

        var second = await ClaimAsync();
        Assert.Equal(3, second.HistoryLength);
        await Store.CompleteOrchestrationAsync(second, CheckpointOf(second), Ct);

        var history = await Store.GetHistoryAsync("order-1", Ct);
        Assert.Equal(
            [
                HistoryEventType.OrchestratorStarted, HistoryEventType.ExecutionStarted, HistoryEventType.TaskScheduled,
                HistoryEventType.OrchestratorStarted, HistoryEventType.EventRaised,
            ],
            history.Select(e => e.EventType));
        var scheduled = Assert.IsType<TaskScheduledEvent>(history[2]);
        Assert.Equal("Charge", scheduled.Name);
        Assert.Equal("42", scheduled.Input);
        Assert.Equal("approve", Assert.IsType<EventRaisedEvent>(history[4]).Name);
        await Store.SendMessageAsync(EventMessage("order-1", "again"), Ct);
        Assert.Equal(5, (await ClaimAsync()).HistoryLength);
    }

    [Fact]
    public async Task CompleteOrchestration_HistoryEvents_RoundTripTheirFields()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        var failure = new FailureDetails("System.TimeoutException", "slow", "at X", new FailureDetails("System.IO.IOException", "disk")) { IsNonRetriable = true };
        HistoryEvent[] events =
        [
            new OrchestratorStartedEvent { Timestamp = Epoch },
            new TaskScheduledEvent { EventId = 1, Name = "Charge", Version = "v1", Input = "\"in\"", Timestamp = Epoch },
            new TaskFailedEvent { TaskScheduledId = 1, Failure = failure, Timestamp = Epoch.AddSeconds(1) },
            new TimerCreatedEvent { EventId = 2, FireAt = Epoch.AddHours(1), Timestamp = Epoch },
            new EventSentEvent { EventId = 3, InstanceId = "other", Name = "ping", Input = "\"p\"", Timestamp = Epoch },
            new SubOrchestrationCreatedEvent { EventId = 4, Name = "Child", InstanceId = "child-1", Input = "\"c\"", Timestamp = Epoch },
            new ExecutionCompletedEvent { Status = OrchestrationStatus.Failed, Failure = failure, Timestamp = Epoch.AddSeconds(2) },
        ];

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem, OrchestrationStatus.Failed) with { NewEvents = events }, Ct);

        var history = await Store.GetHistoryAsync("order-1", Ct);
        Assert.Equal(events, history);
    }

    [Fact]
    public async Task CompleteOrchestration_InstanceRow_UpdatedFromCheckpoint()
    {
        await CreateInstanceAsync("order-1", "\"input\"");
        var workItem = await ClaimAsync();
        Time.Advance(TimeSpan.FromSeconds(5));

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            Instance = workItem.Instance with { Status = OrchestrationStatus.Running, CustomStatus = "\"step 1\"", LastUpdatedAt = Time.GetUtcNow() },
        }, Ct);

        var running = await GetRequiredAsync("order-1");
        Assert.Equal(OrchestrationStatus.Running, running.Status);
        Assert.Equal("\"step 1\"", running.CustomStatus);
        Assert.Equal("\"input\"", running.Input);
        Assert.Equal(Epoch, running.CreatedAt);
        Assert.Equal(Epoch.AddSeconds(5), running.LastUpdatedAt);

        await Store.SendMessageAsync(EventMessage("order-1", "finish"), Ct);
        var last = await ClaimAsync();
        Time.Advance(TimeSpan.FromSeconds(5));
        await Store.CompleteOrchestrationAsync(last, CheckpointOf(last, OrchestrationStatus.Completed), Ct);

        var completed = await GetRequiredAsync("order-1");
        Assert.Equal(OrchestrationStatus.Completed, completed.Status);
        Assert.Equal("\"done\"", completed.Output);
        Assert.Equal(Epoch.AddSeconds(10), completed.CompletedAt);
        Assert.Equal(Epoch.AddSeconds(10), completed.LastUpdatedAt);
        Assert.Equal(Epoch, completed.CreatedAt);
    }

    [Fact]
    public async Task CompleteOrchestration_InstanceRow_TakesChangedNameVersionTagsParentAndTrace()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        var parent = new ParentInstance("Parent", "parent-1", NewExecutionId(), 7);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            Instance = workItem.Instance with
            {
                Name = "Renamed",
                Version = "v2",
                Tags = new Dictionary<string, string> { ["team"] = "billing" },
                Parent = parent,
                TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
            },
        }, Ct);

        var stored = await GetRequiredAsync("order-1");
        Assert.Equal("Renamed", stored.Name);
        Assert.Equal("v2", stored.Version);
        Assert.Equal("billing", Assert.Single(stored.Tags!).Value);
        Assert.Equal(parent, stored.Parent);
        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", stored.TraceParent);
    }

    [Fact]
    public async Task CompleteOrchestration_InstanceRow_KeepsCreatedAtAndStampsLastUpdatedAtWithCommitTime()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        Time.Advance(TimeSpan.FromMinutes(3));

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            Instance = workItem.Instance with { Status = OrchestrationStatus.Running, CreatedAt = Epoch.AddDays(-1), LastUpdatedAt = Epoch },
        }, Ct);

        var state = await GetRequiredAsync("order-1");
        Assert.Equal(Epoch, state.CreatedAt);
        Assert.Equal(Epoch.AddMinutes(3), state.LastUpdatedAt);
    }

    [Fact]
    public async Task CompleteOrchestration_Failed_StoresFailureDetails()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        var failure = new FailureDetails("System.InvalidOperationException", "boom", "at Y", new FailureDetails("System.Exception", "inner"));

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem, OrchestrationStatus.Failed) with
        {
            Instance = workItem.Instance with { Status = OrchestrationStatus.Failed, Failure = failure, CompletedAt = Epoch },
        }, Ct);

        var state = await GetRequiredAsync("order-1");
        Assert.Equal(OrchestrationStatus.Failed, state.Status);
        Assert.Equal(failure, state.Failure);
    }

    [Fact]
    public async Task CompleteOrchestration_ConsumedMessageIds_DeletesExactlyThose()
    {
        await CreateInstanceAsync("order-1");
        await Store.SendMessageAsync(EventMessage("order-1", "a"), Ct);
        await Store.SendMessageAsync(EventMessage("order-1", "b"), Ct);
        var workItem = await ClaimAsync();
        Assert.Equal(3, workItem.Messages.Count);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            ConsumedMessageIds = [workItem.Messages[0].MessageId, workItem.Messages[2].MessageId],
        }, Ct);

        var next = await ClaimAsync();
        var left = Assert.Single(next.Messages);
        Assert.Equal(workItem.Messages[1].MessageId, left.MessageId);
        Assert.Equal("a", Assert.IsType<EventRaisedEvent>(left.Event).Name);
    }

    [Fact]
    public async Task CompleteOrchestration_AllMessagesConsumed_InstanceNoLongerClaimable()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem), Ct);

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
    }

    [Fact]
    public async Task CompleteOrchestration_ActivityTasks_EnqueuedForTheExecution()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            ActivityTasks = [ActivityCall(workItem, 1, "Reserve", "\"r\""), ActivityCall(workItem, 2, "Charge", "\"c\"")],
        }, Ct);

        var first = await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct);
        var second = await Store.ClaimActivityAsync("worker-2", LeaseDuration, Ct);
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.Null(await Store.ClaimActivityAsync("worker-3", LeaseDuration, Ct));
        Assert.NotEqual(first.TaskId, second.TaskId);
        var calls = new[] { first, second }.OrderBy(a => a.Scheduled.EventId).ToList();
        Assert.All(calls, a => Assert.Equal("order-1", a.InstanceId));
        Assert.All(calls, a => Assert.Equal(workItem.Instance.ExecutionId, a.ExecutionId));
        Assert.Equal(["Reserve", "Charge"], calls.Select(a => a.Scheduled.Name));
        Assert.Equal(["\"r\"", "\"c\""], calls.Select(a => a.Scheduled.Input));
    }

    [Fact]
    public async Task CompleteOrchestration_TimerMessage_ClaimableOnlyWhenDue()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        var fireAt = Epoch.AddMinutes(10);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            Messages =
            [
                new InstanceMessage
                {
                    InstanceId = "order-1",
                    ExecutionId = workItem.Instance.ExecutionId,
                    Event = new TimerFiredEvent { TimerId = 1, FireAt = fireAt },
                    VisibleAt = fireAt,
                },
            ],
        }, Ct);

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Equal(fireAt, await Store.GetNextWorkDueAsync(WorkItemKind.Orchestration, Ct));
        Time.Advance(TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(1));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Time.Advance(TimeSpan.FromSeconds(1));
        var timer = Assert.Single((await ClaimAsync()).Messages);
        Assert.Equal(workItem.Instance.ExecutionId, timer.ExecutionId);
        Assert.Equal(1, Assert.IsType<TimerFiredEvent>(timer.Event).TimerId);
    }

    [Fact]
    public async Task CompleteOrchestration_MessageToAnotherInstance_Delivered()
    {
        await CreateInstanceAsync("sender");
        var workItem = await ClaimAsync();
        await CreateInstanceAsync("receiver");

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            Messages = [EventMessage("receiver", "ping", "\"p\"")],
        }, Ct);

        var receiver = await ClaimAsync();
        Assert.Equal("receiver", receiver.InstanceId);
        Assert.IsType<ExecutionStartedEvent>(receiver.Messages[0].Event);
        var ping = Assert.IsType<EventRaisedEvent>(receiver.Messages[1].Event);
        Assert.Equal("ping", ping.Name);
        Assert.Equal("\"p\"", ping.Input);
    }

    [Fact]
    public async Task CompleteOrchestration_MessageToUnknownInstance_DroppedAndStepCommitted()
    {
        await CreateInstanceAsync("sender");
        var workItem = await ClaimAsync();

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            Messages = [EventMessage("nobody", "ping")],
        }, Ct);

        Assert.Null(await Store.GetInstanceAsync("nobody", includePayloads: false, Ct));
        Assert.Equal(OrchestrationStatus.Running, (await GetRequiredAsync("sender")).Status);
        Assert.Equal(2, (await Store.GetHistoryAsync("sender", Ct)).Count);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
    }

    [Fact]
    public async Task CompleteOrchestration_SubOrchestrations_CreatedPendingWithParent()
    {
        await CreateInstanceAsync("parent");
        var workItem = await ClaimAsync();
        var parent = new ParentInstance(DefaultName, "parent", workItem.Instance.ExecutionId, 3);
        var child = NewInstanceRequest("parent:child", "Child", "\"c\"", parent: parent);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { SubOrchestrations = [child] }, Ct);

        var state = await GetRequiredAsync("parent:child");
        Assert.Equal(OrchestrationStatus.Pending, state.Status);
        Assert.Equal(child.Started.ExecutionId, state.ExecutionId);
        Assert.Equal("Child", state.Name);
        Assert.Equal(parent, state.Parent);
        var childWork = await ClaimAsync();
        Assert.Equal("parent:child", childWork.InstanceId);
        Assert.Equal(parent, Assert.IsType<ExecutionStartedEvent>(Assert.Single(childWork.Messages).Event).Parent);
    }

    [Theory]
    [InlineData(OrchestrationStatus.Pending)]
    [InlineData(OrchestrationStatus.Running)]
    [InlineData(OrchestrationStatus.Suspended)]
    public async Task CompleteOrchestration_SubOrchestrationIdInUse_LeftAloneAndParentToldItFailed(OrchestrationStatus status)
    {
        var existing = await CreateInStatusAsync("child", status);
        await CreateInstanceAsync("parent");
        var workItem = await ClaimInstanceAsync("parent");
        var parent = new ParentInstance(DefaultName, "parent", workItem.Instance.ExecutionId, 7);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with
        {
            SubOrchestrations = [NewInstanceRequest("child", "Child", parent: parent)],
        }, Ct);

        var child = await GetRequiredAsync("child");
        Assert.Equal(status, child.Status);
        Assert.Equal(existing.Started.ExecutionId, child.ExecutionId);
        Assert.Null(child.Parent);
        var parentWork = await ClaimInstanceAsync("parent");
        var message = Assert.Single(parentWork.Messages);
        Assert.Equal(workItem.Instance.ExecutionId, message.ExecutionId);
        var failed = Assert.IsType<SubOrchestrationFailedEvent>(message.Event);
        Assert.Equal(7, failed.TaskScheduledId);
        Assert.False(string.IsNullOrEmpty(failed.Failure.ErrorMessage));
    }

    [Fact]
    public async Task CompleteOrchestration_SubOrchestrationIdTerminal_Replaced()
    {
        await CreateInStatusAsync("child", OrchestrationStatus.Completed);
        await CreateInstanceAsync("parent");
        var workItem = await ClaimAsync();
        var request = NewInstanceRequest("child", "Child", parent: new ParentInstance(DefaultName, "parent", workItem.Instance.ExecutionId, 1));

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { SubOrchestrations = [request] }, Ct);

        var child = await GetRequiredAsync("child");
        Assert.Equal(OrchestrationStatus.Pending, child.Status);
        Assert.Equal(request.Started.ExecutionId, child.ExecutionId);
        Assert.Empty(await Store.GetHistoryAsync("child", Ct));
        Assert.Equal("child", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task CompleteOrchestration_ContinueAsNew_ReplacesHistoryWithTheNewExecution()
    {
        await CreateInstanceAsync("order-1", "1");
        var workItem = await ClaimAsync();
        var oldExecution = workItem.Instance.ExecutionId;
        var newExecution = NewExecutionId();
        var restarted = new ExecutionStartedEvent { Name = DefaultName, ExecutionId = newExecution, Input = "2", Timestamp = Epoch };

        await Store.CompleteOrchestrationAsync(workItem, new OrchestrationCheckpoint
        {
            ExecutionId = oldExecution,
            NewEvents =
            [
                new OrchestratorStartedEvent { Timestamp = Epoch },
                workItem.Messages[0].Event,
                new ExecutionCompletedEvent { Status = OrchestrationStatus.ContinuedAsNew, Result = "2", Timestamp = Epoch },
            ],
            NewExecutionId = newExecution,
            NewExecutionHistory = [restarted],
            Instance = workItem.Instance with { ExecutionId = newExecution, Input = "2", Status = OrchestrationStatus.Running },
            ConsumedMessageIds = [workItem.Messages[0].MessageId],
        }, Ct);

        var state = await GetRequiredAsync("order-1");
        Assert.Equal(newExecution, state.ExecutionId);
        Assert.Equal("2", state.Input);
        Assert.Equal(OrchestrationStatus.Running, state.Status);
        var history = Assert.Single(await Store.GetHistoryAsync("order-1", Ct));
        Assert.Equal(newExecution, Assert.IsType<ExecutionStartedEvent>(history).ExecutionId);
        await Store.SendMessageAsync(EventMessage("order-1", "next"), Ct);
        var next = await ClaimAsync();
        Assert.Equal(1, next.HistoryLength);
        Assert.Equal(newExecution, next.Instance.ExecutionId);
    }
}
