using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>Entity wake-ups: the entity work signal, the orchestration signal after a batch, and entity due times.</summary>
public abstract partial class EntityConformance
{
    [Fact]
    public async Task WhenWorkAvailable_Entity_CompletesAfterSendEntityMessage()
    {
        var signal = Store.WhenWorkAvailable(WorkItemKind.Entity);

        await Store.SendEntityMessageAsync(Signal(CounterA), Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal(CounterA, (await ClaimEntityAsync()).EntityId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Entity_CompletesAfterAnOrchestrationStepSendsAnEntityMessage()
    {
        await CreateInstanceAsync("orch-1");
        var workItem = await ClaimAsync();
        var signal = Store.WhenWorkAvailable(WorkItemKind.Entity);

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { EntityMessages = [Signal(CounterA, sender: "orch-1")] }, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal(CounterA, (await ClaimEntityAsync()).EntityId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Entity_CompletesAfterABatchSignalsAnotherEntity()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        var signal = Store.WhenWorkAvailable(WorkItemKind.Entity);

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with { EntityMessages = [Signal(CounterB, sender: CounterA)] }, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal(CounterB, (await ClaimEntityAsync("worker-2")).EntityId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Entity_CompletesAfterABatchLeavesAMessageUnconsumed()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        await SendAsync(Signal(CounterA));
        var signal = Store.WhenWorkAvailable(WorkItemKind.Entity);

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1"), Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal(CounterA, (await ClaimEntityAsync("worker-2")).EntityId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Entity_CompletesAfterALockReleaseLetsWaitingMessagesThrough()
    {
        var holder = Caller("orch-1");
        await LockAsync(CounterA, holder);
        await SendAsync(Signal(CounterA, input: "waited"), Release(CounterA, holder));
        var releasing = await ClaimEntityAsync();
        var signal = Store.WhenWorkAvailable(WorkItemKind.Entity);

        await Store.CompleteEntityAsync(releasing, Batch(releasing, null) with
        {
            LockHolder = null,
            ConsumedMessageIds = [releasing.Messages[1].MessageId],
        }, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal("waited", ((EntitySignalMessage)Assert.Single((await ClaimEntityAsync("worker-2")).Messages).Message).Input);
    }

    [Fact]
    public async Task WhenWorkAvailable_Entity_CompletesAfterAbandonWithoutBackOff()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        var signal = Store.WhenWorkAvailable(WorkItemKind.Entity);

        await Store.AbandonEntityAsync(workItem, TimeSpan.Zero, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal(CounterA, (await ClaimEntityAsync("worker-2")).EntityId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Entity_CompletesAfterAScheduledSignalIsSent()
    {
        var signal = Store.WhenWorkAvailable(WorkItemKind.Entity);

        await Store.SendEntityMessageAsync(Signal(CounterA, visibleAt: Epoch.AddMinutes(1)), Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal(Epoch.AddMinutes(1), await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
    }

    [Fact]
    public async Task WhenWorkAvailable_Orchestration_CompletesAfterABatchAnswersACaller()
    {
        var start = await CreateInStatusAsync("caller-1", OrchestrationStatus.Running);
        await SendAsync(Call(CounterA, Caller("caller-1", start.Started.ExecutionId, 1)));
        var workItem = await ClaimEntityAsync();
        var signal = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with
        {
            InstanceMessages =
            [
                new InstanceMessage
                {
                    InstanceId = "caller-1",
                    ExecutionId = start.Started.ExecutionId,
                    Event = new EntityOperationCompletedEvent { TaskScheduledId = 1, Result = "1" },
                },
            ],
        }, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal("caller-1", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task WhenWorkAvailable_Orchestration_CompletesAfterABatchStartsAnOrchestration()
    {
        await SendAsync(Signal(CounterA));
        var workItem = await ClaimEntityAsync();
        var signal = Store.WhenWorkAvailable(WorkItemKind.Orchestration);

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1") with { NewOrchestrations = [NewInstanceRequest("started-1")] }, Ct);

        await signal.WaitAsync(SignalTimeout);
        Assert.Equal("started-1", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task GetNextWorkDue_KindsAreSeparate()
    {
        await Store.SendEntityMessageAsync(Signal(CounterA, visibleAt: Epoch.AddMinutes(3)), Ct);
        await Store.CreateInstanceAsync(NewInstanceRequest("later-1", scheduledStartAt: Epoch.AddMinutes(7)), Ct);

        Assert.Equal(Epoch.AddMinutes(3), await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
        Assert.Equal(Epoch.AddMinutes(7), await Store.GetNextWorkDueAsync(WorkItemKind.Orchestration, Ct));
        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Activity, Ct));
    }

    [Fact]
    public async Task GetNextWorkDue_Entity_NullOnceEveryEntityIsServedAndCommitted()
    {
        await SendAsync(Signal(CounterA, visibleAt: Epoch.AddMinutes(1)));
        Time.Advance(TimeSpan.FromMinutes(1));
        var workItem = await ClaimEntityAsync();

        await Store.CompleteEntityAsync(workItem, Batch(workItem, "1"), Ct);

        Assert.Null(await Store.GetNextWorkDueAsync(WorkItemKind.Entity, Ct));
    }
}
