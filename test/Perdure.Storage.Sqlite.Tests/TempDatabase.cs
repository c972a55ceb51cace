using Microsoft.Data.Sqlite;

namespace Perdure.Storage.Sqlite.Tests;

/// <summary>A database file in a directory of its own under the temp folder, deleted (with its WAL files) on dispose.</summary>
public sealed class TempDatabase : IDisposable
{
    public TempDatabase()
    {
        Directory = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "perdure-sqlite-tests", Guid.NewGuid().ToString("N"));
        System.IO.Directory.CreateDirectory(Directory);
        Path = System.IO.Path.Combine(Directory, "perdure.db");
    }

    public string Directory { get; }

    public string Path { get; }

    public string ConnectionString => $"Data Source={Path}";

    public SqliteStore CreateStore(string taskHub, TimeProvider? timeProvider = null, Action<SqliteStoreOptions>? configure = null)
    {
        var options = new SqliteStoreOptions { ConnectionString = ConnectionString };
        configure?.Invoke(options);
        return new SqliteStore(taskHub, options, timeProvider);
    }

    /// <summary>A plain connection to the file, for tests that look at or prepare the database directly.</summary>
    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = Path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a file still open elsewhere stays behind in the temp folder.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
