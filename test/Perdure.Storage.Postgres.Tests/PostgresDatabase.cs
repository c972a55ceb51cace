using Npgsql;
using Perdure.Testing;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>
/// The PostgreSQL server the tests run against, named by <c>PERDURE_TEST_POSTGRES</c> (an Npgsql connection string).
/// </summary>
/// <remarks>
/// eng/test.sh sets it: to the server the caller named, or to a private throwaway cluster that eng/postgres.sh starts
/// and stops. Without it every test that uses this fixture fails, saying how to get a server: PostgreSQL tests never
/// skip silently.
/// </remarks>
public sealed class PostgresDatabase : IAsyncDisposable
{
    public const string EnvironmentVariable = TestPostgres.EnvironmentVariable;

    public PostgresDatabase()
    {
        ConnectionString = ReadConnectionString(Environment.GetEnvironmentVariable(EnvironmentVariable));
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public string ConnectionString { get; }

    /// <summary>Pooled connections to the test database.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The connection string as given, or an error that says how to get one when it is missing.</summary>
    public static string ReadConnectionString(string? value) => TestPostgres.Read(value);

    /// <summary>A new empty schema with a unique name, dropped with everything in it when the result is disposed.</summary>
    public async Task<ThrowawaySchema> CreateSchemaAsync(CancellationToken cancellationToken)
    {
        var schema = new ThrowawaySchema(DataSource, "perdure_test_" + Guid.NewGuid().ToString("N"));
        await schema.CreateAsync(cancellationToken);
        return schema;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
