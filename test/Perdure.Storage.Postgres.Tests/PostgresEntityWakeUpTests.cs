using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Storage.Conformance;
using Perdure.Storage.Postgres.Signals;
using Perdure.Storage.Postgres.Tests.Conformance;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>Entity work announced across stores: the NOTIFY payload's entity kind wakes other processes' entity dispatchers.</summary>
public sealed class PostgresEntityWakeUpTests(PostgresSchemaFixture schema) : StoreConformanceBase, IClassFixture<PostgresSchemaFixture>
{
    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider) => schema.CreateStore(taskHub, timeProvider);

    [Fact]
    public async Task A_signal_sent_through_another_store_wakes_this_stores_entity_dispatcher_through_notify()
    {
        var other = await NewStoreAsync(Store.TaskHub);
        var entities = Store.WhenWorkAvailable(WorkItemKind.Entity);

        await other.SendEntityMessageAsync(Signal("@counter@a"), Ct);

        await entities.WaitAsync(SignalTimeout);
        var workItem = await Store.ClaimEntityAsync("worker-1", LeaseDuration, Ct);
        Assert.Equal("@counter@a", workItem?.EntityId);
    }

    [Theory]
    [InlineData("""{"o":true,"a":false,"e":true,"i":["order-1"]}""", true)]
    [InlineData("""{"o":true,"a":false,"e":false,"i":null}""", false)]
    [InlineData("""{"o":true,"a":false,"i":["order-1"]}""", false)]
    [InlineData("not json", true)]
    public void A_payload_says_whether_entity_work_became_visible_and_one_from_an_older_build_says_not(string payload, bool entityWork)
    {
        Assert.Equal(entityWork, NotificationPayload.Parse(payload).EntityWork);
    }

    private EntityInboxMessage Signal(string entityId) => new()
    {
        EntityId = entityId,
        Message = new EntitySignalMessage { Operation = "add", Input = "1", Timestamp = Time.GetUtcNow() },
    };
}
