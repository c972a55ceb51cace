using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Perdure.Core.Storage;

namespace Perdure.Engine.Dispatch;

/// <summary>What every dispatcher of one worker shares.</summary>
/// <param name="Store">The worker's store.</param>
/// <param name="Factory">Creates orchestrators and activities from the user's registrations.</param>
/// <param name="Services">The root service provider; a scope per work item is created from it.</param>
/// <param name="Options">The worker's options.</param>
/// <param name="WorkerId">The worker's name in leases.</param>
/// <param name="Time">The clock.</param>
/// <param name="LoggerFactory">Creates the dispatchers' loggers and the orchestrations' replay-safe ones.</param>
internal sealed record DispatchContext(
    IPerdureStore Store,
    IDurableTaskFactory Factory,
    IServiceProvider Services,
    PerdureWorkerOptions Options,
    string WorkerId,
    TimeProvider Time,
    ILoggerFactory LoggerFactory)
{
    /// <summary>
    /// Makes the scope of each work item. Resolved once: <c>Services.CreateAsyncScope()</c> looks the factory up in the
    /// root provider on every call, once per activity and per orchestration runtime.
    /// </summary>
    public IServiceScopeFactory ScopeFactory { get; } = Services.GetRequiredService<IServiceScopeFactory>();
}
