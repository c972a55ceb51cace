using Microsoft.DurableTask.Client;
using Perdure.Core;
using Perdure.Core.Storage;

namespace Perdure.Client;

/// <summary>Options of a <see cref="PerdureClient"/>: the SDK's client options plus where the store is.</summary>
public sealed class PerdureClientOptions : DurableTaskClientOptions
{
    /// <summary>The task hub the client works in. Instances of other task hubs are invisible to it.</summary>
    public string TaskHub { get; set; } = TaskHubName.Default;

    /// <summary>
    /// Creates (or finds) the store for a task hub. Set by the <c>Use…()</c> extension that picks the store; a worker and
    /// a client that name the same store and task hub get the same instance.
    /// </summary>
    public Func<IServiceProvider, string, IPerdureStore>? StoreFactory { get; set; }
}
