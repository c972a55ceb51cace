using Perdure.Core.Entities;

namespace Perdure.Core.Storage;

/// <summary>Conveniences over <see cref="IPerdureStore"/>.</summary>
public static class PerdureStoreExtensions
{
    /// <summary>Claims one orchestration work item, or returns null when none is claimable.</summary>
    public static async Task<OrchestrationWorkItem?> ClaimOrchestrationAsync(
        this IPerdureStore store, string lockedBy, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var claimed = await store.ClaimOrchestrationsAsync(lockedBy, leaseDuration, 1, cancellationToken).ConfigureAwait(false);
        return claimed.Count == 0 ? null : claimed[0];
    }

    /// <summary>Claims one activity work item, or returns null when none is claimable.</summary>
    public static async Task<ActivityWorkItem?> ClaimActivityAsync(
        this IPerdureStore store, string lockedBy, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var claimed = await store.ClaimActivitiesAsync(lockedBy, leaseDuration, 1, cancellationToken).ConfigureAwait(false);
        return claimed.Count == 0 ? null : claimed[0];
    }

    /// <summary>Claims one entity work item, or returns null when none is claimable.</summary>
    public static async Task<EntityWorkItem?> ClaimEntityAsync(
        this IPerdureStore store, string lockedBy, TimeSpan leaseDuration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var claimed = await store.ClaimEntitiesAsync(lockedBy, leaseDuration, 1, cancellationToken).ConfigureAwait(false);
        return claimed.Count == 0 ? null : claimed[0];
    }
}
