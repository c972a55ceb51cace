using Npgsql;

namespace Perdure.Storage.Postgres.Tests.Conformance;

/// <summary>
/// A throwaway schema for one test class: its stores share it, each test on task hubs of its own, and it is dropped with
/// everything in it when the class is done.
/// </summary>
public sealed class PostgresSchemaFixture : IAsyncLifetime
{
    /// <summary>
    /// Connections per store. The server allows 100 in all and test classes run in parallel, each test with up to a few
    /// stores (one connection of each LISTENs), so every store gets a small pool.
    /// </summary>
    public const int MaxPoolSize = 6;

    private string? _schema;

    public string Schema => _schema ?? throw new InvalidOperationException("The fixture has not been initialized.");

    public PostgresStore CreateStore(string taskHub, TimeProvider timeProvider) => new(taskHub, Options(), timeProvider);

    public PostgresStoreOptions Options() => new()
    {
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgresDatabase.ReadConnectionString(
            Environment.GetEnvironmentVariable(PostgresDatabase.EnvironmentVariable))) { MaxPoolSize = MaxPoolSize }.ConnectionString,
        Schema = Schema,
    };

    public async Task InitializeAsync()
    {
        await using var database = new PostgresDatabase();
        var name = "perdure_test_" + Guid.NewGuid().ToString("N");
        await using var command = database.DataSource.CreateCommand($"CREATE SCHEMA {name}");
        await command.ExecuteNonQueryAsync();
        _schema = name;
    }

    public async Task DisposeAsync()
    {
        if (_schema is not null)
        {
            await using var database = new PostgresDatabase();
            await using var schema = new ThrowawaySchema(database.DataSource, _schema);
        }
    }
}
