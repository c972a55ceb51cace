using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;
using Perdure.Storage.Conformance;
using Perdure.Storage.Postgres.Tests.Conformance;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// The store's lock order (entity rows in id order, then instance rows in id order) under crossing traffic: orchestration
/// steps that signal entities and message each other, and entity batches that answer those instances and signal each
/// other, committed at once from two stores. The stores run with no transaction retries, so a deadlock PostgreSQL
/// detected would fail the commit that lost instead of being hidden by a retry. (Each of these commits writes several
/// rows, so each runs in a transaction of its own, never in a group.)
/// </summary>
public sealed class PostgresEntityLockOrderTests(PostgresSchemaFixture schema) : StoreConformanceBase, IClassFixture<PostgresSchemaFixture>
{
    private const int Ring = 8;

    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider)
    {
        var options = schema.Options();
        options.MaxTransactionRetries = 0;
        return new PostgresStore(taskHub, options, timeProvider);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Orchestration_steps_and_entity_batches_that_write_each_others_rows_at_once_all_commit_without_a_deadlock(int round)
    {
        var other = await NewStoreAsync(Store.TaskHub);
        var instances = Enumerable.Range(0, Ring).Select(i => $"orch-{round}-{i}").ToArray();
        var entities = Enumerable.Range(0, Ring).Select(i => $"@counter@{round}-{i}").ToArray();
        foreach (var instanceId in instances)
        {
            await CreateInstanceAsync(instanceId);
        }

        foreach (var entityId in entities)
        {
            await Store.SendEntityMessageAsync(Signal(entityId, sender: null), Ct);
        }

        var steps = await Store.ClaimOrchestrationsAsync("worker-1", LeaseDuration, Ring, Ct);
        var batches = await Store.ClaimEntitiesAsync("worker-1", LeaseDuration, Ring, Ct);
        Assert.Equal(Ring, steps.Count);
        Assert.Equal(Ring, batches.Count);

        // Step i signals entities i and i+1 and messages instance i+1; batch j answers instances j and j-1 and signals
        // entity j+1. Without one lock order a step locks its instance row and then entity rows while a batch locks its
        // entity row and then instance rows, and both rings lock their own kind in a circle.
        var commits = new List<Task>();
        for (var k = 0; k < Ring; k++)
        {
            var step = steps[k];
            var i = Array.IndexOf(instances, step.InstanceId);
            var checkpoint = CheckpointOf(step) with
            {
                Messages = [EventMessage(instances[(i + 1) % Ring], "ping")],
                EntityMessages = [Signal(entities[(i + 1) % Ring], sender: step.InstanceId), Signal(entities[i], sender: step.InstanceId)],
            };
            commits.Add((k % 2 == 0 ? Store : other).CompleteOrchestrationAsync(step, checkpoint, Ct));

            var batch = batches[k];
            var j = Array.IndexOf(entities, batch.EntityId);
            var entityCheckpoint = new EntityCheckpoint
            {
                State = "1",
                ConsumedMessageIds = [.. batch.Messages.Select(m => m.MessageId)],
                EntityMessages = [Signal(entities[(j + 1) % Ring], sender: batch.EntityId)],
                InstanceMessages = [EventMessage(instances[j], "answer"), EventMessage(instances[(j + Ring - 1) % Ring], "answer")],
            };
            commits.Add((k % 2 == 0 ? other : Store).CompleteEntityAsync(batch, entityCheckpoint, Ct));
        }

        await Task.WhenAll(commits);

        var nextSteps = await Store.ClaimOrchestrationsAsync("worker-2", LeaseDuration, Ring * 2, Ct);
        Assert.Equal(Ring, nextSteps.Count);
        Assert.All(nextSteps, w => Assert.Equal(
            ["answer", "answer", "ping"],
            w.Messages.Select(m => Assert.IsType<EventRaisedEvent>(m.Event).Name).Order(StringComparer.Ordinal)));
        var nextBatches = await Store.ClaimEntitiesAsync("worker-2", LeaseDuration, Ring * 2, Ct);
        Assert.Equal(Ring, nextBatches.Count);
        Assert.All(nextBatches, w =>
        {
            Assert.Equal("1", w.Entity.State);
            Assert.Equal(3, w.Messages.Count);
            Assert.Equal(3, w.Entity.BacklogCount);
        });
    }

    private EntityInboxMessage Signal(string entityId, string? sender) => new()
    {
        EntityId = entityId,
        Message = new EntitySignalMessage { Operation = "add", Input = "1", Sender = sender, Timestamp = Time.GetUtcNow() },
    };
}
