using Perdure.Storage.Conformance;

namespace Perdure.Storage.Postgres.Tests.Conformance;

public sealed class PostgresQueryConformance(PostgresSchemaFixture schema) : QueryConformance, IClassFixture<PostgresSchemaFixture>
{
    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider) => schema.CreateStore(taskHub, timeProvider);
}
