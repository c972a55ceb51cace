using Npgsql;
using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;
using Perdure.Core.Storage;
using Perdure.Storage.Postgres.Schema;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>Upgrading a schema that holds data from version 1 (no entities) to the latest version.</summary>
public sealed class PostgresEntityUpgradeTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_schema_at_version_1_with_data_is_upgraded_to_the_latest_keeping_its_data_and_runs_entities()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var schema = await database.CreateSchemaAsync(timeout.Token);

        // The schema as Perdure left it with only script 0001, holding an instance with its payload and inbox. The rows
        // use 0001's tables, which never change, so this test stays valid as later scripts arrive.
        var started = new ExecutionStartedEvent { Name = "Checkout", ExecutionId = "exec-1", Input = "\"in\"", Timestamp = Epoch };
        await using (var connection = await database.DataSource.OpenConnectionAsync(timeout.Token))
        {
            await using (var path = new NpgsqlCommand($"SET search_path TO {schema.Name}", connection))
            {
                await path.ExecuteNonQueryAsync(timeout.Token);
            }

            var first = PostgresSchema.Scripts[0];
            Assert.Equal(1, first.Version);
            await using (var create = new NpgsqlCommand(first.Text, connection))
            {
                await create.ExecuteNonQueryAsync(timeout.Token);
            }

            await using var insert = new NpgsqlBatch(connection);
            foreach (var statement in (string[])
                [
                    "INSERT INTO PerdureSchemaVersions (Version, Name, AppliedAt) VALUES (1, '0001_Initial', $1)",
                    """
                    INSERT INTO Instances (TaskHub, InstanceId, ExecutionId, Name, Status, CreatedAt, LastUpdatedAt, HistoryLength, ReadyAt)
                    VALUES ('hub', 'order-1', 'exec-1', 'Checkout', 6, $1, $1, 0, $1)
                    """,
                    "INSERT INTO InstancePayloads (TaskHub, InstanceId, Input) VALUES ('hub', 'order-1', '\"in\"')",
                    """
                    INSERT INTO Messages (TaskHub, InstanceId, ExecutionId, EventType, VisibleAt, Event)
                    VALUES ('hub', 'order-1', 'exec-1', 0, $1, $2)
                    """,
                ])
            {
                var command = new NpgsqlBatchCommand(statement);
                command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = Epoch.UtcTicks });
                if (statement.Contains("$2", StringComparison.Ordinal))
                {
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = StoredJson.Serialize(started) });
                }

                insert.BatchCommands.Add(command);
            }

            await insert.ExecuteNonQueryAsync(timeout.Token);
        }

        await using var store = new PostgresStore("hub", new PostgresStoreOptions
        {
            ConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 6 }.ConnectionString,
            Schema = schema.Name,
        });
        await store.CreateTaskHubAsync(timeout.Token);

        await using (var versions = database.DataSource.CreateCommand($"SELECT version FROM {schema.Name}.perdureschemaversions ORDER BY version"))
        await using (var reader = await versions.ExecuteReaderAsync(timeout.Token))
        {
            var applied = new List<int>();
            while (await reader.ReadAsync(timeout.Token))
            {
                applied.Add(reader.GetInt32(0));
            }

            Assert.Equal(Enumerable.Range(1, PostgresSchema.LatestVersion), applied);
        }

        var state = await store.GetInstanceAsync("order-1", includePayloads: true, timeout.Token);
        Assert.NotNull(state);
        Assert.Equal(("Checkout", OrchestrationStatus.Pending, "\"in\"", Epoch), (state.Name, state.Status, state.Input, state.CreatedAt));
        var workItem = await store.ClaimOrchestrationAsync("worker-1", TimeSpan.FromMinutes(1), timeout.Token);
        Assert.NotNull(workItem);
        Assert.Equal(started, Assert.Single(workItem.Messages).Event);

        // Script 0002's tables work on the upgraded schema: an entity message, a claim, a commit, a read.
        var signal = new EntitySignalMessage { Operation = "add", Input = "1", Timestamp = Epoch };
        await store.SendEntityMessageAsync(new EntityInboxMessage { EntityId = "@counter@a", Message = signal }, timeout.Token);
        var batch = await store.ClaimEntityAsync("worker-1", TimeSpan.FromMinutes(1), timeout.Token);
        Assert.NotNull(batch);
        Assert.Equal(signal, Assert.Single(batch.Messages).Message);
        await store.CompleteEntityAsync(batch, new EntityCheckpoint { State = "1", ConsumedMessageIds = [batch.Messages[0].MessageId] }, timeout.Token);
        var entity = await store.GetEntityAsync("@counter@a", includeState: true, timeout.Token);
        Assert.Equal(("1", 0), (entity?.State, entity?.BacklogCount));
    }
}
