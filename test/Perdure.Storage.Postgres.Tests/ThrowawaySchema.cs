using Npgsql;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>A schema of one test's own, so tests run in parallel on one database; disposing it drops it.</summary>
public sealed class ThrowawaySchema : IAsyncDisposable
{
    private readonly NpgsqlDataSource _dataSource;

    internal ThrowawaySchema(NpgsqlDataSource dataSource, string name)
    {
        _dataSource = dataSource;
        Name = name;
    }

    /// <summary>The schema's name: lower-case letters, digits and underscores only, so it needs no quoting.</summary>
    public string Name { get; }

    internal async Task CreateAsync(CancellationToken cancellationToken)
    {
        await using var command = _dataSource.CreateCommand($"CREATE SCHEMA {Name}");
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await using var command = _dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {Name} CASCADE");
        await command.ExecuteNonQueryAsync();
    }
}
