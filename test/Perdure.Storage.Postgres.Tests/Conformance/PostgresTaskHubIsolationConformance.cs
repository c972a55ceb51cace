using Perdure.Storage.Conformance;

namespace Perdure.Storage.Postgres.Tests.Conformance;

public sealed class PostgresTaskHubIsolationConformance(PostgresSchemaFixture schema) : TaskHubIsolationConformance, IClassFixture<PostgresSchemaFixture>
{
    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider) => schema.CreateStore(taskHub, timeProvider);
}
