using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>Claiming orchestration work items, abandoning them, and suspended instances.</summary>
public abstract class OrchestrationWorkItemConformance : StoreConformanceBase
{
    [Fact]
    public async Task ClaimOrchestration_NoWork_ReturnsNull()
    {
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
    }

    [Fact]
    public async Task ClaimOrchestration_VisibleMessages_ReturnsAllInArrivalOrderWithLease()
    {
        await CreateInstanceAsync("order-1", "\"input\"");
        await Store.SendMessageAsync(EventMessage("order-1", "a"), Ct);
        await Store.SendMessageAsync(EventMessage("order-1", "b"), Ct);
        await Store.SendMessageAsync(EventMessage("order-1", "c"), Ct);

        var workItem = await ClaimAsync("worker-7");

        Assert.Equal("order-1", workItem.InstanceId);
        Assert.Equal("\"input\"", workItem.Instance.Input);
        Assert.Equal(OrchestrationStatus.Pending, workItem.Instance.Status);
        Assert.Equal(new Lease("worker-7", Epoch + LeaseDuration), workItem.Lease);
        Assert.Equal(
            ["a", "b", "c"],
            workItem.Messages.Skip(1).Select(m => Assert.IsType<EventRaisedEvent>(m.Event).Name));
        Assert.IsType<ExecutionStartedEvent>(workItem.Messages[0].Event);
        Assert.Equal(workItem.Messages.Select(m => m.MessageId).Order(), workItem.Messages.Select(m => m.MessageId));
        Assert.All(workItem.Messages, m => Assert.Equal("order-1", m.InstanceId));
    }

    [Fact]
    public async Task ClaimOrchestration_MessageNotYetVisible_IsLeftOut()
    {
        await CreateInstanceAsync("order-1");
        await Store.SendMessageAsync(EventMessage("order-1", "later", visibleAt: Epoch.AddMinutes(10)), Ct);
        await Store.SendMessageAsync(EventMessage("order-1", "now"), Ct);

        var workItem = await ClaimAsync();

        Assert.Equal(2, workItem.Messages.Count);
        Assert.IsType<ExecutionStartedEvent>(workItem.Messages[0].Event);
        Assert.Equal("now", Assert.IsType<EventRaisedEvent>(workItem.Messages[1].Event).Name);
    }

    [Fact]
    public async Task ClaimOrchestrations_MoreClaimableThanAskedFor_ClaimsExactlyMaxCountDistinctInstances()
    {
        for (var i = 0; i < 5; i++)
        {
            await CreateInstanceAsync($"batch-{i}");
        }

        var first = await Store.ClaimOrchestrationsAsync("worker-1", LeaseDuration, 3, Ct);
        var rest = await Store.ClaimOrchestrationsAsync("worker-2", LeaseDuration, 10, Ct);

        Assert.Equal(3, first.Count);
        Assert.Equal(2, rest.Count);
        Assert.Equal(
            Enumerable.Range(0, 5).Select(i => $"batch-{i}").Order(StringComparer.Ordinal),
            first.Concat(rest).Select(w => w.InstanceId).Order(StringComparer.Ordinal));
        Assert.All(first, w => Assert.Equal(new Lease("worker-1", Epoch + LeaseDuration), w.Lease));
        Assert.All(rest, w => Assert.Single(w.Messages));
    }

    [Fact]
    public async Task ClaimOrchestrations_MaxCountBelowOne_Throws()
    {
        await CreateInstanceAsync("order-1");

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => Store.ClaimOrchestrationsAsync("worker-1", LeaseDuration, 0, Ct));

        Assert.Equal("order-1", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task ClaimOrchestration_SeveralInstances_EachClaimedOnce()
    {
        string[] ids = ["a-1", "a-2", "a-3", "a-4", "a-5"];
        foreach (var id in ids)
        {
            await CreateInstanceAsync(id);
        }

        var claimed = new List<string>();
        for (var i = 0; i < ids.Length; i++)
        {
            claimed.Add((await ClaimAsync($"worker-{i}")).InstanceId);
        }

        Assert.Equal(ids, claimed.Order(StringComparer.Ordinal));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-x", LeaseDuration, Ct));
    }

    [Fact]
    public async Task ClaimOrchestration_ConcurrentClaims_OnlyOneWins()
    {
        await CreateInstanceAsync("order-1");

        var claims = await Task.WhenAll(Enumerable.Range(0, 8).Select(
            i => Task.Run(() => Store.ClaimOrchestrationAsync($"worker-{i}", LeaseDuration, Ct))));

        Assert.Equal("order-1", Assert.Single(claims, c => c is not null)!.InstanceId);
    }

    [Fact]
    public async Task AbandonOrchestration_NoBackOff_ClaimableAgainWithSameMessages()
    {
        await CreateInstanceAsync("order-1");
        await Store.SendMessageAsync(EventMessage("order-1", "a"), Ct);
        var first = await ClaimAsync("worker-1");

        await Store.AbandonOrchestrationAsync(first, TimeSpan.Zero, Ct);

        var second = await ClaimAsync("worker-2");
        Assert.Equal("order-1", second.InstanceId);
        Assert.Equal(first.Messages.Select(m => m.MessageId), second.Messages.Select(m => m.MessageId));
        Assert.Equal(0, second.HistoryLength);
        Assert.Equal("worker-2", second.Lease.LockedBy);
    }

    [Fact]
    public async Task AbandonOrchestration_WithBackOff_HiddenUntilRetryTime()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();

        await Store.AbandonOrchestrationAsync(workItem, TimeSpan.FromSeconds(30), Ct);

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
        Assert.Equal(Epoch.AddSeconds(30), await Store.GetNextWorkDueAsync(WorkItemKind.Orchestration, Ct));
        Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));
        Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("order-1", (await ClaimAsync("worker-2")).InstanceId);
    }

    [Fact]
    public async Task AbandonOrchestration_WithBackOff_TerminateMessageMakesItClaimableAtOnce()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        await Store.AbandonOrchestrationAsync(workItem, TimeSpan.FromMinutes(30), Ct);
        await Store.SendMessageAsync(EventMessage("order-1", "ignored-while-backed-off"), Ct);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-2", LeaseDuration, Ct));

        await Store.SendMessageAsync(new InstanceMessage { InstanceId = "order-1", Event = new ExecutionTerminatedEvent { Timestamp = Epoch } }, Ct);

        var claimed = await ClaimAsync("worker-2");
        Assert.Equal("order-1", claimed.InstanceId);
        Assert.IsType<ExecutionTerminatedEvent>(claimed.Messages[^1].Event);
    }

    [Fact]
    public async Task AbandonOrchestration_WithBackOffWhileATerminateWaits_ClaimableAtOnce()
    {
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();
        await Store.SendMessageAsync(new InstanceMessage { InstanceId = "order-1", Event = new ExecutionTerminatedEvent { Timestamp = Epoch } }, Ct);

        await Store.AbandonOrchestrationAsync(workItem, TimeSpan.FromMinutes(30), Ct);

        var claimed = await ClaimAsync("worker-2");
        Assert.IsType<ExecutionTerminatedEvent>(claimed.Messages[^1].Event);
    }

    [Fact]
    public async Task AbandonOrchestration_WritesNothing()
    {
        await CreateInstanceAsync("order-1");
        var before = await GetRequiredAsync("order-1");
        var workItem = await ClaimAsync();

        await Store.AbandonOrchestrationAsync(workItem, TimeSpan.Zero, Ct);

        Assert.Empty(await Store.GetHistoryAsync("order-1", Ct));
        var after = await GetRequiredAsync("order-1");
        Assert.Equal(before.Status, after.Status);
        Assert.Equal(before.ExecutionId, after.ExecutionId);
        Assert.Single((await ClaimAsync()).Messages);
    }

    [Fact]
    public async Task ClaimOrchestration_SuspendedWithOtherMessages_NotClaimable()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Suspended);

        await Store.SendMessageAsync(EventMessage("order-1", "approve"), Ct);

        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Equal(OrchestrationStatus.Suspended, (await GetRequiredAsync("order-1")).Status);
    }

    [Fact]
    public async Task ClaimOrchestration_SuspendedWithResumeMessage_ClaimableAndHeldMessagesKept()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Suspended);
        await Store.SendMessageAsync(EventMessage("order-1", "approve"), Ct);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));

        await Store.SendMessageAsync(new InstanceMessage { InstanceId = "order-1", Event = new ExecutionResumedEvent { Reason = "go" } }, Ct);

        var resume = await ClaimAsync();
        var resumeMessage = Assert.Single(resume.Messages, m => m.Event is ExecutionResumedEvent);
        await Store.CompleteOrchestrationAsync(
            resume,
            CheckpointOf(resume) with { ConsumedMessageIds = [resumeMessage.MessageId] },
            Ct);

        var next = await ClaimAsync();
        Assert.Equal("approve", Assert.IsType<EventRaisedEvent>(Assert.Single(next.Messages).Event).Name);
    }

    [Fact]
    public async Task ClaimOrchestration_SuspendedWithTerminateMessage_Claimable()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Suspended);

        await Store.SendMessageAsync(new InstanceMessage { InstanceId = "order-1", Event = new ExecutionTerminatedEvent { Output = "\"stop\"" } }, Ct);

        var workItem = await ClaimAsync();
        Assert.Equal("order-1", workItem.InstanceId);
        Assert.Equal(OrchestrationStatus.Suspended, workItem.Instance.Status);
        Assert.Contains(workItem.Messages, m => m.Event is ExecutionTerminatedEvent { Output: "\"stop\"" });
    }

    [Fact]
    public async Task GetHistory_UnknownInstance_ReturnsEmpty()
    {
        Assert.Empty(await Store.GetHistoryAsync("missing", Ct));
    }
}
