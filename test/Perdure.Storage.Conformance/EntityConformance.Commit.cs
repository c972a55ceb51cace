using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>What one entity batch commits: state, lock holder, consumed messages, sends and starts, and row deletion.</summary>
public abstract partial class EntityConformance
{
    [Fact]
    public async Task CompleteEntity_State_StoredWithTheCommitTimeAsLastModified()
    {
        await SendAsync(Signal(CounterA));
        Time.Advance(TimeSpan.FromSeconds(5));
        var workItem = await ClaimEntityAsync();
        Time.Advance(TimeSpan.FromSeconds(5));

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "{\"count\":1}"), Ct);

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.True(entity.HasState);
        Assert.Equal("{\"count\":1}", entity.State);
        Assert.Equal(Epoch.AddSeconds(10), entity.LastModifiedAt);
        Assert.Equal(0, entity.BacklogCount);
        Assert.Null(entity.LockHolder);
        await SendAsync(Signal(CounterA));
        Assert.Equal(CounterA, (await ClaimEntityAsync("worker-2")).EntityId);
    }

    [Fact]
    public async Task CompleteEntity_NullState_DeletesTheStateButKeepsTheRowWhileAMessageWaits()
    {
        await SetStateAsync(CounterA, "1");
        await SendAsync(Signal(CounterA, "delete"));
        var workItem = await ClaimEntityAsync();
        await SendAsync(Signal(CounterA, input: "after the claim"));

        await Store.CompleteEntityAsync(workItem, Batch(workItem, null), Ct);

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.False(entity.HasState);
        Assert.Null(entity.State);
        Assert.Equal(1, entity.BacklogCount);
        var next = await ClaimEntityAsync("worker-2");
        Assert.Null(next.Entity.State);
        Assert.Equal("after the claim", ((EntitySignalMessage)Assert.Single(next.Messages).Message).Input);
    }

    [Fact]
    public async Task CompleteEntity_NoStateLockOrMessageLeft_DeletesTheRow()
    {
        await SetStateAsync(CounterA, "1");
        await SendAsync(Signal(CounterA, "delete"));
        var workItem = await ClaimEntityAsync();

        await Store.CompleteEntityAsync(workItem, Batch(workItem, null), Ct);

        Assert.Null(await Store.GetEntityAsync(CounterA, includeState: true, Ct));
        await AssertNoEntitiesAsync();
        Time.Advance(TimeSpan.FromMinutes(1));
        await SendAsync(Signal(CounterA));
        var recreated = await GetEntityRequiredAsync(CounterA);
        Assert.False(recreated.HasState);
        Assert.Equal(Epoch.AddMinutes(1), recreated.LastModifiedAt);
    }

    [Fact]
    public async Task CompleteEntity_OnlyAScheduledMessageLeft_KeepsTheRow()
    {
        await SendAsync(Signal(CounterA), Signal(CounterA, input: "later", visibleAt: Epoch.AddHours(1)));
        var workItem = await ClaimEntityAsync();

        await Store.CompleteEntityAsync(workItem, Batch(workItem, null), Ct);

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.False(entity.HasState);
        Assert.Equal(1, entity.BacklogCount);
        Time.Advance(TimeSpan.FromHours(1));
        Assert.Equal("later", ((EntitySignalMessage)Assert.Single((await ClaimEntityAsync()).Messages).Message).Input);
    }

    [Fact]
    public async Task CompleteEntity_LockHolderSet_KeepsAStatelessRowLockedUntilReleased()
    {
        var holder = Caller("orch-1", "exec-1", 4);
        await SendAsync(LockRequest(CounterA, holder, CounterA));
        var locking = await ClaimEntityAsync();

        await Store.CompleteEntityAsync(locking, Batch(locking, null) with { LockHolder = holder }, Ct);

        var locked = await GetEntityRequiredAsync(CounterA);
        Assert.Equal(holder, locked.LockHolder);
        Assert.False(locked.HasState);
        Assert.Equal(0, locked.BacklogCount);
        await SendAsync(Release(CounterA, holder));
        var releasing = await ClaimEntityAsync();
        Assert.Equal(holder, releasing.Entity.LockHolder);
        await Store.CompleteEntityAsync(releasing, Batch(releasing, null) with { LockHolder = null }, Ct);
        Assert.Null(await Store.GetEntityAsync(CounterA, includeState: false, Ct));
    }

    [Fact]
    public async Task CompleteEntity_ConsumedMessageIds_DeletesExactlyThose()
    {
        await SendAsync(Signal(CounterA, input: "1"), Signal(CounterA, input: "2"), Signal(CounterA, input: "3"));
        var workItem = await ClaimEntityAsync();

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "4") with
        {
            ConsumedMessageIds = [workItem.Messages[0].MessageId, workItem.Messages[2].MessageId],
        }, Ct);

        var next = await ClaimEntityAsync("worker-2");
        var left = Assert.Single(next.Messages);
        Assert.Equal(workItem.Messages[1].MessageId, left.MessageId);
        Assert.Equal("2", ((EntitySignalMessage)left.Message).Input);
        Assert.Equal("4", next.Entity.State);
    }

    [Fact]
    public async Task CompleteEntity_ConsumesAMessageTheWorkItemDidNotDeliver_ThrowsArgumentExceptionAndWritesNothing()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        var undelivered = workItem.Messages[0].MessageId + 1_000_000;

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with
        {
            ConsumedMessageIds = [workItem.Messages[0].MessageId, undelivered],
            EntityMessages = [Signal(CounterB)],
        }, Ct));

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.False(entity.HasState);
        Assert.Equal(1, entity.BacklogCount);
        Assert.Null(await Store.GetEntityAsync(CounterB, includeState: false, Ct));
        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1"), Ct);
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }

    [Theory]
    [InlineData("entity message with a malformed id")]
    [InlineData("instance message to an entity id")]
    [InlineData("orchestration start with an entity id")]
    [InlineData("lock holder without execution")]
    public async Task CompleteEntity_MalformedCheckpoint_ThrowsArgumentExceptionAndWritesNothing(string problem)
    {
        await CreateInStatusAsync("caller-1", OrchestrationStatus.Running);
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        var valid = Batch(workItem, "1") with
        {
            EntityMessages = [Signal(CounterB)],
            InstanceMessages = [new InstanceMessage { InstanceId = "caller-1", Event = new EventRaisedEvent { Name = "ping" } }],
            NewOrchestrations = [NewInstanceRequest("started-1")],
        };
        var checkpoint = problem switch
        {
            "entity message with a malformed id" => valid with { EntityMessages = [Signal(CounterB), Signal("@Counter@c")] },
            "instance message to an entity id" => valid with
            {
                InstanceMessages = [new InstanceMessage { InstanceId = CounterC, Event = new EventRaisedEvent { Name = "ping" } }],
            },
            "orchestration start with an entity id" => valid with { NewOrchestrations = [NewInstanceRequest(CounterC)] },
            "lock holder without execution" => valid with { LockHolder = Caller("orch-1", executionId: "") },
            _ => throw new ArgumentOutOfRangeException(nameof(problem)),
        };

        await Assert.ThrowsAnyAsync<ArgumentException>(() => Store.CompleteEntityAsync(workItem, checkpoint, Ct));

        var entity = await GetEntityRequiredAsync(CounterA);
        Assert.False(entity.HasState);
        Assert.Null(entity.LockHolder);
        Assert.Null(await Store.GetEntityAsync(CounterB, includeState: false, Ct));
        Assert.Null(await Store.GetInstanceAsync("started-1", includePayloads: false, Ct));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
        await Store.CompleteEntityAsync(workItem, valid, Ct);
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }

    [Fact]
    public async Task CompleteEntity_InstanceMessages_DeliveredToTheCallingExecution()
    {
        var start = await CreateInStatusAsync("caller-1", OrchestrationStatus.Running);
        var executionId = start.Started.ExecutionId;
        await SendAsync(Call(CounterA, Caller("caller-1", executionId, 4)), Call(CounterA, Caller("caller-1", executionId, 5), "fail"));
        var workItem = await ClaimEntityAsync();
        var failure = new FailureDetails("System.InvalidOperationException", "boom", "at Add", new FailureDetails("System.Exception", "inner"));
        HistoryEvent completed = new EntityOperationCompletedEvent { TaskScheduledId = 4, Result = "42", Timestamp = Epoch };
        HistoryEvent failed = new EntityOperationFailedEvent { TaskScheduledId = 5, Failure = failure, Timestamp = Epoch };

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "42") with
        {
            InstanceMessages =
            [
                new InstanceMessage { InstanceId = "caller-1", ExecutionId = executionId, Event = completed },
                new InstanceMessage { InstanceId = "missing-1", ExecutionId = "exec-x", Event = completed },
                new InstanceMessage { InstanceId = "caller-1", ExecutionId = executionId, Event = failed },
            ],
        }, Ct);

        var orchestration = await ClaimInstanceAsync("caller-1");
        Assert.Equal([completed, failed], orchestration.Messages.Select(m => m.Event));
        Assert.All(orchestration.Messages, m => Assert.Equal(executionId, m.ExecutionId));
        Assert.Null(await Store.GetInstanceAsync("missing-1", includePayloads: false, Ct));
    }

    [Fact]
    public async Task CompleteEntity_EntityMessages_DeliveredInOrderCreatingRows()
    {
        var holder = Caller("orch-1", "exec-1", 3);
        await SendAsync(LockRequest(CounterA, holder, CounterA, CounterB));
        var workItem = await ClaimEntityAsync();
        var request = (EntityLockRequestMessage)workItem.Messages[0].Message;

        await Store.CompleteEntityAsync(workItem, Batch(workItem, null) with
        {
            LockHolder = holder,
            EntityMessages =
            [
                Signal(CounterB, "add", "1", sender: CounterA),
                Signal(CounterC, "add", "2", sender: CounterA),
                new EntityInboxMessage { EntityId = CounterB, Message = request.Forwarded(Time.GetUtcNow()) },
            ],
        }, Ct);

        var b = await GetEntityRequiredAsync(CounterB);
        Assert.False(b.HasState);
        Assert.Equal(2, b.BacklogCount);
        var bWork = await ClaimEntityAsync(CounterB, "worker-2");
        Assert.Equal([EntityMessageKind.Signal, EntityMessageKind.LockRequest], bWork.Messages.Select(m => m.Message.Kind));
        Assert.Equal(CounterA, bWork.Messages[0].Message.SenderId);
        Assert.Equal(1, ((EntityLockRequestMessage)bWork.Messages[1].Message).Position);
        Assert.Equal(1, (await GetEntityRequiredAsync(CounterC)).BacklogCount);
        Assert.Equal(holder, (await GetEntityRequiredAsync(CounterA)).LockHolder);
    }

    [Fact]
    public async Task CompleteEntity_ScheduledSignal_VisibleAtItsTime()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        var at = Epoch.AddMinutes(10);

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with { EntityMessages = [Signal(CounterB, sender: CounterA, visibleAt: at)] }, Ct);

        Assert.Null(await Store.ClaimEntityAsync("worker-2", LeaseDuration, Ct));
        Assert.Equal(at, await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        Assert.Equal(1, (await GetEntityRequiredAsync(CounterB)).BacklogCount);
        Time.Advance(TimeSpan.FromMinutes(10));
        var b = await ClaimEntityAsync("worker-2");
        Assert.Equal(CounterB, b.EntityId);
        Assert.Single(b.Messages);
    }

    [Fact]
    public async Task CompleteEntity_SignalToItself_WaitsInItsOwnInbox()
    {
        await SendAsync(Signal(CounterA, input: "1"));
        var workItem = await ClaimEntityAsync();

        await Store.CompleteEntityAsync(workItem, Batch(workItem, null) with { EntityMessages = [Signal(CounterA, input: "again", sender: CounterA)] }, Ct);

        var next = await ClaimEntityAsync("worker-2");
        var message = Assert.Single(next.Messages);
        Assert.Equal("again", ((EntitySignalMessage)message.Message).Input);
        Assert.True(message.MessageId > workItem.Messages[0].MessageId);
    }

    [Fact]
    public async Task CompleteEntity_NewOrchestrations_CreatedPendingWithTheirStart()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        var start = NewInstanceRequest("started-1", "Job", "\"input\"");

        var notStarted = await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with { NewOrchestrations = [start] }, Ct);

        Assert.Empty(notStarted);
        var instance = await GetRequiredAsync("started-1");
        Assert.Equal(OrchestrationStatus.Pending, instance.Status);
        Assert.Equal("Job", instance.Name);
        Assert.Equal("\"input\"", instance.Input);
        Assert.Null(instance.Parent);
        var orchestration = await ClaimInstanceAsync("started-1");
        Assert.Equal(start.Started.ExecutionId, Assert.IsType<ExecutionStartedEvent>(Assert.Single(orchestration.Messages).Event).ExecutionId);
    }

    [Theory]
    [InlineData(OrchestrationStatus.Pending)]
    [InlineData(OrchestrationStatus.Running)]
    [InlineData(OrchestrationStatus.Suspended)]
    public async Task CompleteEntity_NewOrchestrationIdOfAnActiveInstance_LeavesItAloneAndReportsIt(OrchestrationStatus status)
    {
        var existing = await CreateInStatusAsync("job-1", status);
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();

        var notStarted = await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with
        {
            NewOrchestrations = [NewInstanceRequest("job-1", "Other"), NewInstanceRequest("job-2")],
        }, Ct);

        Assert.Equal(["job-1"], notStarted);
        var instance = await GetRequiredAsync("job-1");
        Assert.Equal(status, instance.Status);
        Assert.Equal(existing.Started.ExecutionId, instance.ExecutionId);
        Assert.Equal(DefaultName, instance.Name);
        Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync("job-2")).Status);
        Assert.Equal("1", (await GetEntityRequiredAsync(CounterA)).State);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task CompleteEntity_NewOrchestrationIdOfAFinishedInstance_ReplacesItUnlessDeduplicated(bool dedupe)
    {
        var existing = await CreateInStatusAsync("job-1", OrchestrationStatus.Completed);
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        var start = NewInstanceRequest("job-1", "Again", dedupeStatuses: dedupe ? [OrchestrationStatus.Completed] : null);

        var notStarted = await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with { NewOrchestrations = [start] }, Ct);

        var instance = await GetRequiredAsync("job-1");
        if (dedupe)
        {
            Assert.Equal(["job-1"], notStarted);
            Assert.Equal(OrchestrationStatus.Completed, instance.Status);
            Assert.Equal(existing.Started.ExecutionId, instance.ExecutionId);
        }
        else
        {
            Assert.Empty(notStarted);
            Assert.Equal(OrchestrationStatus.Pending, instance.Status);
            Assert.Equal(start.Started.ExecutionId, instance.ExecutionId);
            Assert.Equal("Again", instance.Name);
        }
    }

    [Fact]
    public async Task CompleteEntity_EveryPartOfTheCheckpoint_CommittedTogether()
    {
        var start = await CreateInStatusAsync("caller-1", OrchestrationStatus.Running);
        var caller = Caller("caller-1", start.Started.ExecutionId, 2);
        await SendAsync(Signal(CounterA, input: "1"), LockRequest(CounterA, caller, CounterA), Signal(CounterA, input: "waits"));
        var workItem = await ClaimEntityAsync();
        Time.Advance(TimeSpan.FromSeconds(3));

        await Store.CompleteEntityAsync(workItem, new EntityCheckpoint
        {
            State = "1",
            LockHolder = caller,
            ConsumedMessageIds = [workItem.Messages[0].MessageId, workItem.Messages[1].MessageId],
            EntityMessages = [Signal(CounterB, sender: CounterA)],
            InstanceMessages =
            [
                new InstanceMessage
                {
                    InstanceId = "caller-1",
                    ExecutionId = caller.ExecutionId,
                    Event = new EntityLockGrantedEvent { TaskScheduledId = 2, LockSet = [CounterA] },
                },
            ],
            NewOrchestrations = [NewInstanceRequest("started-1")],
        }, Ct);

        var a = await GetEntityRequiredAsync(CounterA);
        Assert.Equal("1", a.State);
        Assert.Equal(caller, a.LockHolder);
        Assert.Equal(1, a.BacklogCount);
        Assert.Equal(Epoch.AddSeconds(3), a.LastModifiedAt);
        Assert.Equal(1, (await GetEntityRequiredAsync(CounterB)).BacklogCount);
        Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync("started-1")).Status);
        var granted = Assert.Single((await ClaimInstanceAsync("caller-1")).Messages);
        Assert.IsType<EntityLockGrantedEvent>(granted.Event);
        Assert.Equal(CounterB, (await ClaimEntityAsync("worker-2")).EntityId);
        Assert.Null(await Store.ClaimEntityAsync("worker-3", LeaseDuration, Ct));
    }
}
