using Npgsql;

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
    public const string EnvironmentVariable = "PERDURE_TEST_POSTGRES";

    public PostgresDatabase()
    {
        ConnectionString = ReadConnectionString(Environment.GetEnvironmentVariable(EnvironmentVariable));
        DataSource = NpgsqlDataSource.Create(ConnectionString);
    }

    public string ConnectionString { get; }

    /// <summary>Pooled connections to the test database.</summary>
    public NpgsqlDataSource DataSource { get; }

    /// <summary>The connection string as given, or an error that says how to get one when it is missing.</summary>
    public static string ReadConnectionString(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidOperationException(
                $"{EnvironmentVariable} is not set, so the PostgreSQL tests have no server. Run them through eng/test.sh, which "
                + $"starts a private PostgreSQL (eng/postgres.sh) and sets it, or set {EnvironmentVariable} to an Npgsql "
                + "connection string (Host=...;Port=...;Username=...;Password=...;Database=...) of a server the tests may use.");
        }

        return value;
    }

    /// <summary>A new empty schema with a unique name, dropped with everything in it when the result is disposed.</summary>
    public async Task<ThrowawaySchema> CreateSchemaAsync(CancellationToken cancellationToken)
    {
        var schema = new ThrowawaySchema(DataSource, "perdure_test_" + Guid.NewGuid().ToString("N"));
        await schema.CreateAsync(cancellationToken);
        return schema;
    }

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
