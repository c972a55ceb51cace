using Perdure.Storage.Conformance;

namespace Perdure.Storage.Postgres.Tests.Conformance;

public sealed class PostgresEntityConformance(PostgresSchemaFixture schema) : EntityConformance, IClassFixture<PostgresSchemaFixture>
{
    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider) => schema.CreateStore(taskHub, timeProvider);
}
