using Npgsql;
using Perdure.Core;
using Perdure.Core.History;
using Perdure.Storage.Postgres.Schema;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>Start-up: creating and migrating the schema, and the errors a database that cannot be used gives.</summary>
public sealed class PostgresStartupTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Several_stores_starting_at_once_on_a_missing_schema_create_it_once_and_all_work()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var schema = "perdure_test_" + Guid.NewGuid().ToString("N");
        await using var drop = new ThrowawaySchema(database.DataSource, schema);
        var stores = Enumerable.Range(0, 6).Select(i => new PostgresStore("race_" + i, Options(schema))).ToList();
        try
        {
            await Task.WhenAll(stores.Select(s => s.CreateTaskHubAsync(timeout.Token)));

            await using (var versions = database.DataSource.CreateCommand($"SELECT count(*), max(version) FROM {schema}.perdureschemaversions"))
            await using (var reader = await versions.ExecuteReaderAsync(timeout.Token))
            {
                Assert.True(await reader.ReadAsync(timeout.Token));
                Assert.Equal((long)PostgresSchema.LatestVersion, reader.GetInt64(0));
                Assert.Equal(PostgresSchema.LatestVersion, reader.GetInt32(1));
            }

            await Task.WhenAll(stores.Select(s => s.CreateInstanceAsync(NewInstance("order-1"), timeout.Token)));
            foreach (var store in stores)
            {
                Assert.Equal(OrchestrationStatus.Pending, (await store.GetInstanceAsync("order-1", false, timeout.Token))?.Status);
            }
        }
        finally
        {
            foreach (var store in stores)
            {
                await store.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_schema_from_a_newer_Perdure_is_refused_naming_both_versions_and_is_left_as_it_was()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var schema = await database.CreateSchemaAsync(timeout.Token);
        await using (var first = new PostgresStore("hub", Options(schema.Name)))
        {
            await first.CreateTaskHubAsync(timeout.Token);
        }

        var newer = PostgresSchema.LatestVersion + 7;
        await using (var insert = database.DataSource.CreateCommand(
            $"INSERT INTO {schema.Name}.perdureschemaversions (version, name, appliedat) VALUES ($1, 'from_the_future', 0)"))
        {
            insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = newer });
            await insert.ExecuteNonQueryAsync(timeout.Token);
        }

        await using var store = new PostgresStore("hub", Options(schema.Name));
        var error = await Assert.ThrowsAsync<PostgresDatabaseException>(() => store.CreateTaskHubAsync(timeout.Token));

        Assert.Equal(PostgresDatabaseProblem.NewerSchema, error.Problem);
        Assert.Contains($"version {newer}", error.Message, StringComparison.Ordinal);
        Assert.Contains($"up to {PostgresSchema.LatestVersion}", error.Message, StringComparison.Ordinal);
        await using var count = database.DataSource.CreateCommand($"SELECT count(*) FROM {schema.Name}.perdureschemaversions");
        Assert.Equal((long)PostgresSchema.LatestVersion + 1, await count.ExecuteScalarAsync(timeout.Token));
        await Assert.ThrowsAsync<PostgresDatabaseException>(() => store.GetInstanceAsync("order-1", false, timeout.Token));
    }

    [Fact]
    public async Task A_schema_holding_another_applications_tables_is_refused_and_left_as_it_was()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        await using var schema = await database.CreateSchemaAsync(timeout.Token);
        await using (var create = database.DataSource.CreateCommand($"CREATE TABLE {schema.Name}.instances (id int PRIMARY KEY)"))
        {
            await create.ExecuteNonQueryAsync(timeout.Token);
        }

        await using var store = new PostgresStore("hub", Options(schema.Name));
        var error = await Assert.ThrowsAsync<PostgresDatabaseException>(() => store.CreateTaskHubAsync(timeout.Token));

        Assert.Equal(PostgresDatabaseProblem.NotPerdure, error.Problem);
        Assert.Contains("PostgresStoreOptions.Schema", error.Message, StringComparison.Ordinal);
        await using var tables = database.DataSource.CreateCommand("SELECT count(*) FROM pg_tables WHERE schemaname = $1");
        tables.Parameters.Add(new NpgsqlParameter<string> { TypedValue = schema.Name });
        Assert.Equal(1L, await tables.ExecuteScalarAsync(timeout.Token));
    }

    [Fact]
    public async Task A_wrong_password_is_refused_as_cannot_connect_naming_the_connection_string()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Password = "not-the-password", MaxPoolSize = 2 };
        await using var store = new PostgresStore("hub", new PostgresStoreOptions { ConnectionString = connectionString.ConnectionString });

        var error = await Assert.ThrowsAsync<PostgresDatabaseException>(() => store.CreateTaskHubAsync(timeout.Token));

        Assert.Equal(PostgresDatabaseProblem.CannotConnect, error.Problem);
        Assert.Contains("ConnectionString", error.Message, StringComparison.Ordinal);
        Assert.Contains("password", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_server_that_is_not_there_is_refused_as_cannot_connect()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { Host = "127.0.0.1", Port = 1, Timeout = 5 };
        await using var store = new PostgresStore("hub", new PostgresStoreOptions { ConnectionString = connectionString.ConnectionString });

        var error = await Assert.ThrowsAsync<PostgresDatabaseException>(() => store.CreateTaskHubAsync(timeout.Token));

        Assert.Equal(PostgresDatabaseProblem.CannotConnect, error.Problem);
    }

    [Fact]
    public void A_malformed_connection_string_is_refused_when_the_store_is_created()
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresStore("hub", new PostgresStoreOptions { ConnectionString = "Host=x;Flavour=vanilla" }));

        Assert.Contains("ConnectionString", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_pool_too_small_for_the_listen_connection_is_refused_when_the_store_is_created()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 1 };

        var error = Assert.Throws<ArgumentException>(() => new PostgresStore("hub", new PostgresStoreOptions { ConnectionString = connectionString.ConnectionString }));

        Assert.Contains("Maximum Pool Size", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Perdure")]
    [InlineData("perdure; DROP TABLE x")]
    [InlineData("pg_catalog")]
    [InlineData("1abc")]
    [InlineData("")]
    public void A_schema_name_that_would_need_quoting_is_refused(string schema)
    {
        var error = Assert.Throws<ArgumentException>(() => new PostgresStore("hub", Options(schema)));

        Assert.Contains("schema", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_who_may_not_create_the_schema_gets_no_privilege_naming_the_grant()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        var role = "perdure_test_role_" + Guid.NewGuid().ToString("N");
        var password = Guid.NewGuid().ToString("N");
        await using (var create = database.DataSource.CreateCommand($"CREATE ROLE {role} LOGIN PASSWORD '{password}'"))
        {
            await create.ExecuteNonQueryAsync(timeout.Token);
        }

        try
        {
            var connectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString)
            {
                Username = role,
                Password = password,
                MaxPoolSize = 2,
                Pooling = false,
            };
            await using var store = new PostgresStore("hub", new PostgresStoreOptions
            {
                ConnectionString = connectionString.ConnectionString,
                Schema = "perdure_test_" + Guid.NewGuid().ToString("N"),
            });

            var error = await Assert.ThrowsAsync<PostgresDatabaseException>(() => store.CreateTaskHubAsync(timeout.Token));

            Assert.Equal(PostgresDatabaseProblem.NoPrivilege, error.Problem);
            Assert.Contains("CREATE", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            await using var dropRole = database.DataSource.CreateCommand($"DROP ROLE {role}");
            await dropRole.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    private PostgresStoreOptions Options(string schema) => new()
    {
        ConnectionString = new NpgsqlConnectionStringBuilder(database.ConnectionString) { MaxPoolSize = 4 }.ConnectionString,
        Schema = schema,
    };

    private static NewInstance NewInstance(string instanceId) => new()
    {
        InstanceId = instanceId,
        Started = new ExecutionStartedEvent { Name = "Orchestrator", ExecutionId = Guid.NewGuid().ToString("N"), Timestamp = DateTimeOffset.UtcNow },
    };
}
