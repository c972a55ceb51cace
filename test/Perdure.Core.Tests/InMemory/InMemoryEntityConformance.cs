using Perdure.Core.InMemory;
using Perdure.Core.Storage;
using Perdure.Storage.Conformance;

namespace Perdure.Core.Tests.InMemory;

public sealed class InMemoryEntityConformance : EntityConformance
{
    protected override IPerdureStore CreateStore(string taskHub, TimeProvider timeProvider) => new InMemoryStore(taskHub, timeProvider);
}
