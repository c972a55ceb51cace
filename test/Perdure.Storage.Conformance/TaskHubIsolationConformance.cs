using Perdure.Core;

namespace Perdure.Storage.Conformance;

/// <summary>Task hubs sharing one storage never see each other's instances, messages or activities.</summary>
public abstract class TaskHubIsolationConformance : StoreConformanceBase
{
    [Fact]
    public async Task CreateTaskHub_CalledAgain_KeepsExistingData()
    {
        await CreateInstanceAsync("order-1");

        await Store.CreateTaskHubAsync(Ct);

        Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync("order-1")).Status);
        Assert.Equal("order-1", (await ClaimAsync()).InstanceId);
    }

    [Fact]
    public async Task TaskHub_IsTheNameTheStoreWasCreatedFor()
    {
        var name = NewTaskHubName();

        var store = await NewStoreAsync(name);

        Assert.Equal(name, store.TaskHub);
    }

    [Fact]
    public async Task Instances_InOneHub_InvisibleToAnother()
    {
        var other = await NewStoreAsync();
        await CreateInStatusAsync("done", OrchestrationStatus.Completed);
        await CreateInstanceAsync("order-1");

        Assert.Null(await other.GetInstanceAsync("order-1", includePayloads: true, Ct));
        Assert.Empty(await other.GetHistoryAsync("done", Ct));
        Assert.Empty((await other.QueryInstancesAsync(new InstanceQuery(), Ct)).Instances);
        Assert.Null(await other.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Equal(0, await other.PurgeInstanceAsync("done", recursive: true, Ct));
        Assert.Equal(0, await other.PurgeInstancesAsync(new PurgeFilter(), Ct));
        await Assert.ThrowsAsync<InstanceNotFoundException>(() => other.SendMessageAsync(EventMessage("order-1", "x"), Ct));
        Assert.Equal(OrchestrationStatus.Completed, (await GetRequiredAsync("done")).Status);
    }

    [Fact]
    public async Task Instances_SameIdInTwoHubs_AreIndependent()
    {
        var other = await NewStoreAsync();
        await CreateInStatusAsync("order-1", OrchestrationStatus.Running);

        var request = NewInstanceRequest("order-1", "Other", "\"other\"");
        await other.CreateInstanceAsync(request, Ct);

        Assert.Equal(OrchestrationStatus.Running, (await GetRequiredAsync("order-1")).Status);
        var otherState = await GetRequiredAsync("order-1", other);
        Assert.Equal(OrchestrationStatus.Pending, otherState.Status);
        Assert.Equal(request.Started.ExecutionId, otherState.ExecutionId);
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Equal(0, (await ClaimAsync(store: other)).HistoryLength);
    }

    [Fact]
    public async Task Activities_InOneHub_InvisibleToAnother()
    {
        var other = await NewStoreAsync();
        await CreateInstanceAsync("order-1");
        var workItem = await ClaimAsync();

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { ActivityTasks = [ActivityCall(workItem, 1)] }, Ct);

        Assert.Null(await other.ClaimActivityAsync("worker-1", LeaseDuration, Ct));
        Assert.Null(await other.GetNextWorkDueAsync(WorkItemKind.Activity, Ct));
        Assert.NotNull(await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct));
    }

    [Fact]
    public async Task Messages_ToAnIdThatOnlyExistsInAnotherHub_AreDropped()
    {
        var other = await NewStoreAsync();
        await CreateInStatusAsync("receiver", OrchestrationStatus.Running, other);
        await CreateInstanceAsync("sender");
        var workItem = await ClaimAsync();

        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { Messages = [EventMessage("receiver", "ping")] }, Ct);

        Assert.Null(await other.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Null(await Store.GetInstanceAsync("receiver", includePayloads: false, Ct));
    }

    [Fact]
    public async Task DeleteTaskHub_RemovesEverythingOfThatHubOnly()
    {
        var other = await NewStoreAsync();
        await CreateInstanceAsync("keep", store: other);
        await CreateInStatusAsync("done", OrchestrationStatus.Completed);
        await CreateInstanceAsync("busy");
        var workItem = await ClaimInstanceAsync("busy");
        await Store.CompleteOrchestrationAsync(workItem, CheckpointOf(workItem) with { ActivityTasks = [ActivityCall(workItem, 1)] }, Ct);
        await Store.SendMessageAsync(EventMessage("busy", "later", visibleAt: Epoch.AddMinutes(5)), Ct);
        await CreateInstanceAsync("pending");

        await Store.DeleteTaskHubAsync(Ct);

        Assert.Empty((await Store.QueryInstancesAsync(new InstanceQuery(), Ct)).Instances);
        Assert.Null(await Store.GetInstanceAsync("busy", includePayloads: false, Ct));
        Assert.Empty(await Store.GetHistoryAsync("done", Ct));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Null(await Store.ClaimActivityAsync("worker-1", LeaseDuration, Ct));
        Time.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(await Store.ClaimOrchestrationAsync("worker-1", LeaseDuration, Ct));
        Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync("keep", other)).Status);
        Assert.Equal("keep", (await ClaimAsync(store: other)).InstanceId);
    }

    [Fact]
    public async Task DeleteTaskHub_ThenCreateTaskHub_HubIsUsableAgain()
    {
        await CreateInstanceAsync("order-1");
        await Store.DeleteTaskHubAsync(Ct);

        await Store.CreateTaskHubAsync(Ct);
        await CreateInstanceAsync("order-1");

        Assert.Equal(OrchestrationStatus.Pending, (await GetRequiredAsync("order-1")).Status);
        Assert.Equal(0, (await ClaimAsync()).HistoryLength);
    }
}
