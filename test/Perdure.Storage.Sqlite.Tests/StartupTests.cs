using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Core.History;
using Perdure.Core.Storage;
using Perdure.Storage.Sqlite.Data;
using Perdure.Storage.Sqlite.Schema;

namespace Perdure.Storage.Sqlite.Tests;

/// <summary>Opening a file: the schema applied once and recorded, upgrades, and every kind of file that is refused untouched.</summary>
public sealed class StartupTests : IDisposable
{
    private static readonly DateTimeOffset Epoch = new(2030, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TempDatabase _database = new();
    private readonly FakeTimeProvider _time = new(Epoch);

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task CreateTaskHub_NewFile_AppliesEveryScriptOnceInWalModeAndRecordsIt()
    {
        await using (var store = _database.CreateStore("hub", _time))
        {
            await store.CreateTaskHubAsync(CancellationToken.None);
        }

        Assert.Equal(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v), ReadVersions().Select(v => v.Version));
        Assert.Equal("wal", Scalar("PRAGMA journal_mode"));
        Assert.Equal(SqliteSchema.Scripts.Select(s => s.Name), ReadVersions().Select(v => v.Name));
    }

    [Fact]
    public async Task CreateTaskHub_CalledAgainAndByOtherStores_AppliesNothingTwice()
    {
        await using (var first = _database.CreateStore("hub", _time))
        {
            await first.CreateTaskHubAsync(CancellationToken.None);
            await first.CreateInstanceAsync(NewInstance("order-1"), CancellationToken.None);
            _time.Advance(TimeSpan.FromHours(1));
            await first.CreateTaskHubAsync(CancellationToken.None);
        }

        var recorded = ReadVersions();
        await using (var again = _database.CreateStore("hub", _time))
        await using (var otherHub = _database.CreateStore("other", _time))
        {
            await again.CreateTaskHubAsync(CancellationToken.None);
            await otherHub.CreateTaskHubAsync(CancellationToken.None);
            Assert.NotNull(await again.GetInstanceAsync("order-1", includePayloads: false, CancellationToken.None));
        }

        Assert.Equal(recorded, ReadVersions());
        Assert.All(recorded, v => Assert.Equal(Epoch.UtcTicks, v.AppliedAt));
    }

    [Fact]
    public async Task CreateTaskHub_DatabaseFromVersion1_UpgradesToLatestAndKeepsItsData()
    {
        // A file as Perdure left it with only script 0001. The rows below use 0001's tables, which never change, so this
        // test stays valid as later scripts arrive.
        var connections = new SqliteConnections(_database.ConnectionString, TimeSpan.FromSeconds(5));
        Assert.Equal(1, SqliteSchema.Prepare(connections, _time, NullLogger.Instance, targetVersion: 1));
        var started = new ExecutionStartedEvent { Name = "Checkout", ExecutionId = "exec-1", Input = "\"in\"", Timestamp = Epoch };
        using (var connection = _database.Open())
        using (var insert = connection.CreateCommand())
        {
            insert.CommandText = """
                INSERT INTO Instances (TaskHub, InstanceId, ExecutionId, Name, Status, CreatedAt, LastUpdatedAt, HistoryLength, ReadyAt)
                VALUES ('hub', 'order-1', 'exec-1', 'Checkout', 6, @Now, @Now, 0, @Now);
                INSERT INTO InstancePayloads (TaskHub, InstanceId, Input) VALUES ('hub', 'order-1', '"in"');
                INSERT INTO Messages (TaskHub, InstanceId, ExecutionId, EventType, VisibleAt, Event)
                VALUES ('hub', 'order-1', 'exec-1', 0, @Now, @Event);
                """;
            insert.Parameters.AddWithValue("@Now", Epoch.UtcTicks);
            insert.Parameters.AddWithValue("@Event", StoredJson.Serialize(started));
            insert.ExecuteNonQuery();
        }

        await using var store = _database.CreateStore("hub", _time);
        await store.CreateTaskHubAsync(CancellationToken.None);

        Assert.Equal(Enumerable.Range(1, SqliteSchema.LatestVersion).Select(v => (long)v), ReadVersions().Select(v => v.Version));
        var state = await store.GetInstanceAsync("order-1", includePayloads: true, CancellationToken.None);
        Assert.NotNull(state);
        Assert.Equal(("Checkout", OrchestrationStatus.Pending, "\"in\"", Epoch), (state.Name, state.Status, state.Input, state.CreatedAt));
        var workItem = await store.ClaimOrchestrationAsync("worker-1", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(workItem);
        Assert.Equal(started, Assert.Single(workItem.Messages).Event);

        // Script 0002's tables work on the upgraded file: an entity message, a claim, a commit, a read.
        var signal = new EntitySignalMessage { Operation = "add", Input = "1", Timestamp = Epoch };
        await store.SendEntityMessageAsync(new EntityInboxMessage { EntityId = "@counter@a", Message = signal }, CancellationToken.None);
        var batch = await store.ClaimEntityAsync("worker-1", TimeSpan.FromMinutes(1), CancellationToken.None);
        Assert.NotNull(batch);
        Assert.Equal(signal, Assert.Single(batch.Messages).Message);
        await store.CompleteEntityAsync(
            batch, new EntityCheckpoint { State = "1", ConsumedMessageIds = [batch.Messages[0].MessageId] }, CancellationToken.None);
        var entity = await store.GetEntityAsync("@counter@a", includeState: true, CancellationToken.None);
        Assert.Equal(("1", 0), (entity?.State, entity?.BacklogCount));
    }

    [Fact]
    public async Task CreateTaskHub_NewerSchemaVersion_RefusedNamingBothVersionsAndNothingWritten()
    {
        await using (var store = _database.CreateStore("hub", _time))
        {
            await store.CreateTaskHubAsync(CancellationToken.None);
        }

        var newer = SqliteSchema.LatestVersion + 1;
        Execute($"INSERT INTO PerdureSchemaVersions (Version, Name, AppliedAt) VALUES ({newer}, '{newer:D4}_FromTheFuture', 0)");
        var before = Fingerprint();

        await using var refused = _database.CreateStore("hub", _time);
        var ex = await Assert.ThrowsAsync<SqliteDatabaseException>(() => refused.CreateTaskHubAsync(CancellationToken.None));

        Assert.Equal(SqliteDatabaseProblem.NewerSchema, ex.Problem);
        Assert.Contains($"version {newer}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"up to {SqliteSchema.LatestVersion}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(_database.Path, ex.DatabasePath);
        Assert.Equal(before, Fingerprint());
        await Assert.ThrowsAsync<SqliteDatabaseException>(
            () => refused.CreateInstanceAsync(NewInstance("order-1"), CancellationToken.None));
        Assert.Equal(before, Fingerprint());
    }

    [Fact]
    public async Task CreateTaskHub_SqliteDatabaseOfAnotherApplication_RefusedAndUntouched()
    {
        Execute("CREATE TABLE Customers (Id INTEGER PRIMARY KEY, Name TEXT); INSERT INTO Customers (Name) VALUES ('Ada');");
        var before = Fingerprint();

        await using var store = _database.CreateStore("hub", _time);
        var ex = await Assert.ThrowsAsync<SqliteDatabaseException>(() => store.CreateTaskHubAsync(CancellationToken.None));

        Assert.Equal(SqliteDatabaseProblem.NotPerdure, ex.Problem);
        Assert.Contains("not a Perdure database", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Customers", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());
        Assert.Equal("delete", Scalar("PRAGMA journal_mode"));
    }

    [Fact]
    public async Task CreateTaskHub_FileThatIsNotSqlite_RefusedAndUntouched()
    {
        await File.WriteAllTextAsync(_database.Path, "name,amount\nAda,42\n" + new string('x', 200));
        var before = Fingerprint();

        await using var store = _database.CreateStore("hub", _time);
        var ex = await Assert.ThrowsAsync<SqliteDatabaseException>(() => store.CreateTaskHubAsync(CancellationToken.None));

        Assert.Equal(SqliteDatabaseProblem.NotSqlite, ex.Problem);
        Assert.Contains("is not a SQLite database", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());
    }

    [Fact]
    public async Task CreateTaskHub_DirectoryDoesNotExist_RefusedAsCannotOpen()
    {
        var path = Path.Combine(_database.Directory, "missing", "perdure.db");
        await using var store = new SqliteStore("hub", new SqliteStoreOptions { ConnectionString = $"Data Source={path}" }, _time);

        var ex = await Assert.ThrowsAsync<SqliteDatabaseException>(() => store.CreateTaskHubAsync(CancellationToken.None));

        Assert.Equal(SqliteDatabaseProblem.CannotOpen, ex.Problem);
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.GetDirectoryName(path)));
    }

    [Fact]
    public async Task CreateTaskHub_PathIsADirectory_RefusedAsCannotOpen()
    {
        await using var store = new SqliteStore("hub", new SqliteStoreOptions { ConnectionString = $"Data Source={_database.Directory}" }, _time);

        var ex = await Assert.ThrowsAsync<SqliteDatabaseException>(() => store.CreateTaskHubAsync(CancellationToken.None));

        Assert.Equal(SqliteDatabaseProblem.CannotOpen, ex.Problem);
    }

    [Fact]
    public async Task CreateTaskHub_ReadOnlyFile_RefusedAndUntouched()
    {
        await using (var store = _database.CreateStore("hub", _time))
        {
            await store.CreateTaskHubAsync(CancellationToken.None);
            await store.CreateInstanceAsync(NewInstance("order-1"), CancellationToken.None);
        }

        SetReadOnly(_database.Path, readOnly: true);
        var before = Fingerprint();
        // Root ignores file permissions; there, Mode=ReadOnly stands in for the read-only file so the refusal is still tested.
        var connectionString = CanWrite(_database.Path) ? $"{_database.ConnectionString};Mode=ReadOnly" : _database.ConnectionString;

        await using var readOnly = new SqliteStore("hub", new SqliteStoreOptions { ConnectionString = connectionString }, _time);
        var ex = await Assert.ThrowsAsync<SqliteDatabaseException>(() => readOnly.CreateTaskHubAsync(CancellationToken.None));

        Assert.Equal(SqliteDatabaseProblem.ReadOnly, ex.Problem);
        Assert.Contains("can only be read", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Fingerprint());
        SetReadOnly(_database.Path, readOnly: false);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("has space")]
    [InlineData("semi;colon")]
    [InlineData("quote'")]
    [InlineData("dot.ted")]
    [InlineData("ünïcode")]
    [InlineData("a_name_that_is_much_longer_than_the_sixty_four_characters_allowed_")]
    public void Constructor_OddTaskHubName_RefusedBeforeAnythingIsOpened(string taskHub)
    {
        Assert.ThrowsAny<ArgumentException>(() => _database.CreateStore(taskHub, _time));

        Assert.False(File.Exists(_database.Path));
    }

    [Theory]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=perdure;Mode=Memory")]
    [InlineData("Data Source=")]
    [InlineData("Nonsense Keyword=1")]
    public void Constructor_ConnectionStringWithoutAFile_Refused(string connectionString)
    {
        Assert.ThrowsAny<ArgumentException>(() => new SqliteStore("hub", new SqliteStoreOptions { ConnectionString = connectionString }, _time));
    }

    private static void SetReadOnly(string path, bool readOnly)
    {
        if (OperatingSystem.IsWindows())
        {
            File.SetAttributes(path, readOnly ? FileAttributes.ReadOnly : FileAttributes.Normal);
        }
        else
        {
            File.SetUnixFileMode(path, readOnly
                ? UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    private static bool CanWrite(string path)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static NewInstance NewInstance(string instanceId) => new()
    {
        InstanceId = instanceId,
        Started = new ExecutionStartedEvent { Name = "Checkout", ExecutionId = Guid.NewGuid().ToString("N"), Timestamp = Epoch },
    };

    /// <summary>The names and contents of every file in the database's directory (the WAL and shared-memory files included).</summary>
    private string Fingerprint() => string.Join(
        "\n",
        Directory.GetFiles(_database.Directory)
            .Where(f => !f.EndsWith("-shm", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetFileName(f)} {Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(f)))}"));

    private List<(long Version, string Name, long AppliedAt)> ReadVersions()
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT Version, Name, AppliedAt FROM PerdureSchemaVersions ORDER BY Version";
        using var reader = command.ExecuteReader();
        var versions = new List<(long, string, long)>();
        while (reader.Read())
        {
            versions.Add((reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2)));
        }

        return versions;
    }

    private object? Scalar(string sql)
    {
        using var connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private void Execute(string sql)
    {
        using SqliteConnection connection = _database.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
