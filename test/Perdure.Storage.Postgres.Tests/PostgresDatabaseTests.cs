namespace Perdure.Storage.Postgres.Tests;

public sealed class PostgresDatabaseTests
{
    [Fact]
    public void ReadConnectionString_Missing_FailsNamingTheTestCommand()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PostgresDatabase.ReadConnectionString(null));

        Assert.Contains(PostgresDatabase.EnvironmentVariable, error.Message, StringComparison.Ordinal);
        Assert.Contains("eng/test.sh", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadConnectionString_Given_ReturnsItAsIs()
    {
        Assert.Equal("Host=h;Database=d", PostgresDatabase.ReadConnectionString("Host=h;Database=d"));
    }
}
