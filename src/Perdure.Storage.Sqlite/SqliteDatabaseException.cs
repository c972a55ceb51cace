using Perdure.Core;

namespace Perdure.Storage.Sqlite;

/// <summary>What is wrong with a database that a <see cref="SqliteStore"/> refuses to use.</summary>
public enum SqliteDatabaseProblem
{
    /// <summary>The file cannot be opened or created (missing directory, no permission, a directory in its place).</summary>
    CannotOpen,

    /// <summary>The file is not a SQLite database.</summary>
    NotSqlite,

    /// <summary>The file is a SQLite database with tables of another application and no Perdure schema.</summary>
    NotPerdure,

    /// <summary>The database was written by a newer Perdure whose schema this build does not know.</summary>
    NewerSchema,

    /// <summary>The database can only be read (file permissions, a read-only medium or <c>Mode=ReadOnly</c>).</summary>
    ReadOnly,
}

/// <summary>The store cannot use its SQLite database; it was refused at start-up and nothing was written to it.</summary>
public sealed class SqliteDatabaseException : PerdureStoreException
{
    /// <summary>Creates the exception.</summary>
    public SqliteDatabaseException(SqliteDatabaseProblem problem, string databasePath, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Problem = problem;
        DatabasePath = databasePath;
    }

    /// <summary>What is wrong.</summary>
    public SqliteDatabaseProblem Problem { get; }

    /// <summary>The full path of the database file.</summary>
    public string DatabasePath { get; }
}
