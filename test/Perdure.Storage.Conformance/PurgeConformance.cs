using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Storage.Conformance;

/// <summary>Purging one instance (optionally with its sub-orchestrations) and purging by filter.</summary>
public abstract class PurgeConformance : StoreConformanceBase
{
    /// <summary>Commits a step of <paramref name="parentId"/> that starts <paramref name="childId"/> as its sub-orchestration.</summary>
    private async Task StartChildAsync(string parentId, string childId)
    {
        await Store.SendMessageAsync(EventMessage(parentId, "spawn"), Ct);
        var workItem = await ClaimInstanceAsync(parentId);
        var parent = new ParentInstance(DefaultName, parentId, workItem.Instance.ExecutionId, 1);
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem, workItem.Instance.Status) with
        {
            SubOrchestrations = [NewInstanceRequest(childId, "Child", parent: parent)],
        }, Ct);
    }

    [Theory]
    [InlineData(OrchestrationStatus.Completed)]
    [InlineData(OrchestrationStatus.Failed)]
    [InlineData(OrchestrationStatus.Terminated)]
    public async Task PurgeInstance_Terminal_DeletesInstanceHistoryAndInbox(OrchestrationStatus status)
    {
        await CreateInStatusAsync("order-1", status);
        await Store.SendMessageAsync(EventMessage("order-1", "late"), Ct);

        var purged = await Store.PurgeInstanceAsync("order-1", recursive: false, Ct);

        Assert.Equal(1, purged);
        Assert.Null(await Store.GetInstanceAsync("order-1", includePayloads: false, Ct));
        Assert.Empty(await Store.GetHistoryAsync("order-1", Ct));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        await Assert.ThrowsAsync<InstanceNotFoundException>(() => Store.SendMessageAsync(EventMessage("order-1", "after"), Ct));
    }

    [Fact]
    public async Task PurgeInstance_Terminal_IdCanBeReused()
    {
        await CreateInStatusAsync("order-1", OrchestrationStatus.Completed);
        await Store.PurgeInstanceAsync("order-1", recursive: false, Ct);

        var request = await CreateInstanceAsync("order-1");

        Assert.Equal(request.Started.ExecutionId, (await GetRequiredAsync("order-1")).ExecutionId);
        Assert.Equal(0, (await ClaimAsync()).HistoryLength);
    }

    [Theory]
    [InlineData(OrchestrationStatus.Pending)]
    [InlineData(OrchestrationStatus.Running)]
    [InlineData(OrchestrationStatus.Suspended)]
    public async Task PurgeInstance_NotTerminal_ThrowsAndDeletesNothing(OrchestrationStatus status)
    {
        await CreateInStatusAsync("order-1", status);
        var historyLength = (await Store.GetHistoryAsync("order-1", Ct)).Count;

        var ex = await Assert.ThrowsAsync<InstanceStateException>(() => Store.PurgeInstanceAsync("order-1", recursive: true, Ct));

        Assert.Equal("order-1", ex.InstanceId);
        Assert.Equal(status, ex.Status);
        Assert.Equal(status, (await GetRequiredAsync("order-1")).Status);
        Assert.Equal(historyLength, (await Store.GetHistoryAsync("order-1", Ct)).Count);
    }

    [Fact]
    public async Task PurgeInstance_PendingNotTerminal_KeepsItsInbox()
    {
        await CreateInstanceAsync("order-1");

        await Assert.ThrowsAsync<InstanceStateException>(() => Store.PurgeInstanceAsync("order-1", recursive: false, Ct));

        Assert.IsType<ExecutionStartedEvent>(Assert.Single((await ClaimAsync()).Messages).Event);
    }

    [Fact]
    public async Task PurgeInstance_UnknownInstance_ReturnsZero()
    {
        Assert.Equal(0, await Store.PurgeInstanceAsync("missing", recursive: true, Ct));
    }

    [Fact]
    public async Task PurgeInstance_Recursive_DeletesTerminalDescendantsAndKeepsRunningOnes()
    {
        await CreateInStatusAsync("parent", OrchestrationStatus.Running);
        await StartChildAsync("parent", "child-done");
        await StartChildAsync("parent", "child-running");
        await SetStatusAsync("child-done", OrchestrationStatus.Running);
        await StartChildAsync("child-done", "grandchild");
        await SetStatusAsync("grandchild", OrchestrationStatus.Completed);
        await Store.SendMessageAsync(EventMessage("child-done", "finish"), Ct);
        await SetStatusAsync("child-done", OrchestrationStatus.Completed);
        await SetStatusAsync("child-running", OrchestrationStatus.Running);
        await Store.SendMessageAsync(EventMessage("parent", "finish"), Ct);
        await SetStatusAsync("parent", OrchestrationStatus.Completed);
        await CreateInStatusAsync("unrelated", OrchestrationStatus.Completed);

        var purged = await Store.PurgeInstanceAsync("parent", recursive: true, Ct);

        Assert.Equal(3, purged);
        Assert.Null(await Store.GetInstanceAsync("parent", includePayloads: false, Ct));
        Assert.Null(await Store.GetInstanceAsync("child-done", includePayloads: false, Ct));
        Assert.Null(await Store.GetInstanceAsync("grandchild", includePayloads: false, Ct));
        Assert.Equal(OrchestrationStatus.Running, (await GetRequiredAsync("child-running")).Status);
        Assert.Equal(OrchestrationStatus.Completed, (await GetRequiredAsync("unrelated")).Status);
    }

    [Fact]
    public async Task PurgeInstance_NotRecursive_KeepsSubOrchestrations()
    {
        await CreateInStatusAsync("parent", OrchestrationStatus.Running);
        await StartChildAsync("parent", "child");
        await SetStatusAsync("child", OrchestrationStatus.Completed);
        await Store.SendMessageAsync(EventMessage("parent", "finish"), Ct);
        await SetStatusAsync("parent", OrchestrationStatus.Completed);

        Assert.Equal(1, await Store.PurgeInstanceAsync("parent", recursive: false, Ct));

        Assert.Null(await Store.GetInstanceAsync("parent", includePayloads: false, Ct));
        Assert.Equal(OrchestrationStatus.Completed, (await GetRequiredAsync("child")).Status);
        Assert.NotEmpty(await Store.GetHistoryAsync("child", Ct));
    }

    [Fact]
    public async Task PurgeInstances_NoFilter_DeletesEveryTerminalInstanceOnly()
    {
        await CreateInStatusAsync("completed", OrchestrationStatus.Completed);
        await CreateInStatusAsync("failed", OrchestrationStatus.Failed);
        await CreateInStatusAsync("terminated", OrchestrationStatus.Terminated);
        await CreateInStatusAsync("running", OrchestrationStatus.Running);
        await CreateInStatusAsync("suspended", OrchestrationStatus.Suspended);
        await CreateInStatusAsync("pending", OrchestrationStatus.Pending);

        var purged = await Store.PurgeInstancesAsync(new PurgeFilter(), Ct);

        Assert.Equal(3, purged);
        Assert.Equal(["pending", "running", "suspended"], (await QueryAllAsync(new InstanceQuery())).Select(s => s.InstanceId));
        Assert.Empty(await Store.GetHistoryAsync("completed", Ct));
    }

    [Fact]
    public async Task PurgeInstances_ByStatus_DeletesOnlyThoseStatuses()
    {
        await CreateInStatusAsync("completed", OrchestrationStatus.Completed);
        await CreateInStatusAsync("failed", OrchestrationStatus.Failed);
        await CreateInStatusAsync("terminated", OrchestrationStatus.Terminated);

        var purged = await Store.PurgeInstancesAsync(new PurgeFilter { Statuses = [OrchestrationStatus.Completed, OrchestrationStatus.Failed] }, Ct);

        Assert.Equal(2, purged);
        Assert.Equal("terminated", Assert.Single(await QueryAllAsync(new InstanceQuery())).InstanceId);
    }

    [Fact]
    public async Task PurgeInstances_NonTerminalStatusInFilter_Ignored()
    {
        await CreateInStatusAsync("running", OrchestrationStatus.Running);
        await CreateInStatusAsync("pending", OrchestrationStatus.Pending);

        var purged = await Store.PurgeInstancesAsync(new PurgeFilter { Statuses = [OrchestrationStatus.Running, OrchestrationStatus.Pending] }, Ct);

        Assert.Equal(0, purged);
        Assert.Equal(2, (await QueryAllAsync(new InstanceQuery())).Count);
    }

    [Fact]
    public async Task PurgeInstances_ByCreatedRange_BoundsAreInclusive()
    {
        await CreateInStatusAsync("t0", OrchestrationStatus.Completed);
        Time.Advance(TimeSpan.FromMinutes(1));
        await CreateInStatusAsync("t1", OrchestrationStatus.Completed);
        Time.Advance(TimeSpan.FromMinutes(1));
        await CreateInStatusAsync("t2", OrchestrationStatus.Completed);
        Time.Advance(TimeSpan.FromMinutes(1));
        await CreateInStatusAsync("t3", OrchestrationStatus.Completed);

        var purged = await Store.PurgeInstancesAsync(new PurgeFilter { CreatedFrom = Epoch.AddMinutes(1), CreatedTo = Epoch.AddMinutes(2) }, Ct);

        Assert.Equal(2, purged);
        Assert.Equal(["t0", "t3"], (await QueryAllAsync(new InstanceQuery())).Select(s => s.InstanceId));
    }
}
