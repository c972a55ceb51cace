namespace Perdure.Storage.Postgres;

/// <summary>The PostgreSQL database cannot be used by this store; <see cref="Problem"/> says why.</summary>
public sealed class PostgresDatabaseException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PostgresDatabaseException(PostgresDatabaseProblem problem, string message, Exception? innerException = null)
        : base(message, innerException) => Problem = problem;

    /// <summary>Creates the exception with no particular problem.</summary>
    public PostgresDatabaseException() : this(PostgresDatabaseProblem.CannotConnect, "The PostgreSQL database cannot be used.") { }

    /// <summary>Creates the exception with no particular problem.</summary>
    public PostgresDatabaseException(string message) : this(PostgresDatabaseProblem.CannotConnect, message) { }

    /// <summary>Creates the exception with no particular problem.</summary>
    public PostgresDatabaseException(string message, Exception innerException) : this(PostgresDatabaseProblem.CannotConnect, message, innerException) { }

    /// <summary>What is wrong.</summary>
    public PostgresDatabaseProblem Problem { get; }
}

/// <summary>Why a PostgreSQL database was refused.</summary>
public enum PostgresDatabaseProblem
{
    /// <summary>No connection: the server is unreachable, the credentials are wrong, the database does not exist.</summary>
    CannotConnect,

    /// <summary>The schema was written by a newer Perdure than this one.</summary>
    NewerSchema,

    /// <summary>The user may not create the schema or its tables.</summary>
    NoPrivilege,

    /// <summary>The schema holds tables of another application (tables, but no Perdure schema versions).</summary>
    NotPerdure,
}
