using Npgsql;

namespace Perdure.Storage.Postgres.Tests;

/// <summary>The test server is there and usable: what every later PostgreSQL test relies on.</summary>
public sealed class PostgresServerTests(PostgresDatabase database) : IClassFixture<PostgresDatabase>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_throwaway_schema_keeps_a_row_it_is_given_and_is_gone_once_dropped()
    {
        using var timeout = new CancellationTokenSource(Timeout);
        string name;
        await using (var schema = await database.CreateSchemaAsync(timeout.Token))
        {
            name = schema.Name;
            await using var connection = await database.DataSource.OpenConnectionAsync(timeout.Token);
            await using (var create = new NpgsqlCommand($"CREATE TABLE {name}.greeting (id int PRIMARY KEY, text text NOT NULL)", connection))
            {
                await create.ExecuteNonQueryAsync(timeout.Token);
            }

            await using (var insert = new NpgsqlCommand($"INSERT INTO {name}.greeting (id, text) VALUES ($1, $2)", connection))
            {
                insert.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
                insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = "hello, Tokyo" });
                Assert.Equal(1, await insert.ExecuteNonQueryAsync(timeout.Token));
            }

            await using var select = new NpgsqlCommand($"SELECT text FROM {name}.greeting WHERE id = $1", connection);
            select.Parameters.Add(new NpgsqlParameter<int> { TypedValue = 1 });
            Assert.Equal("hello, Tokyo", await select.ExecuteScalarAsync(timeout.Token));
        }

        await using var exists = database.DataSource.CreateCommand("SELECT count(*) FROM pg_namespace WHERE nspname = $1");
        exists.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
        Assert.Equal(0L, await exists.ExecuteScalarAsync(timeout.Token));
    }
}
