namespace Perdure.Testing;

/// <summary>
/// The PostgreSQL server tests run against, named by <c>PERDURE_TEST_POSTGRES</c> (an Npgsql connection string).
/// </summary>
/// <remarks>
/// eng/test.sh sets it: to the server the caller named, or to a private throwaway cluster that eng/postgres.sh starts
/// and stops. Without it every PostgreSQL test fails, saying how to get a server: PostgreSQL tests never skip silently.
/// </remarks>
public static class TestPostgres
{
    /// <summary>The environment variable that names the server.</summary>
    public const string EnvironmentVariable = "PERDURE_TEST_POSTGRES";

    /// <summary>The schema integration tests share; each test has a task hub of its own in it.</summary>
    public const string IntegrationSchema = "perdure_integration";

    /// <summary>The connection string, or an error that says how to get one when it is missing.</summary>
    /// <exception cref="InvalidOperationException"><see cref="EnvironmentVariable"/> is not set.</exception>
    public static string ConnectionString => Read(Environment.GetEnvironmentVariable(EnvironmentVariable));

    /// <summary><paramref name="value"/> as the connection string, or the error for a missing one.</summary>
    public static string Read(string? value)
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
}
