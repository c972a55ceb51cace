using Perdure.Core.Storage;
using Perdure.Storage.Conformance;

namespace Perdure.Storage.Sqlite.Tests.Conformance;

public sealed class SqliteEntityConformance : EntityConformance, IDisposable
{
    private readonly TempDatabase _database = new();

    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider) => _database.CreateStore(taskHub, timeProvider);

    public void Dispose() => _database.Dispose();
}
