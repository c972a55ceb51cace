using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Core;
using DtfHistory = DurableTask.Core.History;

namespace Perdure.Client;

public sealed partial class PerdureClient
{
    /// <inheritdoc/>
    /// <remarks>
    /// Returns null when the instance does not exist. Without <paramref name="getInputsAndOutputs"/> the input, output,
    /// custom status, failure details and data converter are left null, as the SDK documents for
    /// <see cref="OrchestrationMetadata"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="instanceId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="instanceId"/> is empty or an entity id.</exception>
    public override async Task<OrchestrationMetadata?> GetInstancesAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        var state = await _store.GetInstanceAsync(instanceId, getInputsAndOutputs, cancellation).ConfigureAwait(false);
        return state is null ? null : SdkMapping.ToMetadata(state, getInputsAndOutputs, _dataConverter);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Event driven: the store wakes the wait when the instance changes; nothing is polled. Returns null when the instance
    /// does not exist (or is purged while waiting). A token that is already cancelled throws at once.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before the instance started.</exception>
    public override async Task<OrchestrationMetadata> WaitForInstanceStartAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        cancellation.ThrowIfCancellationRequested();
        var state = await _store.WaitForInstanceAsync(
            instanceId, s => s is null || s.Status != OrchestrationStatus.Pending, getInputsAndOutputs, cancellation)
            .ConfigureAwait(false);
        return state is null ? null! : SdkMapping.ToMetadata(state, getInputsAndOutputs, _dataConverter);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Completes when the instance is Completed, Failed or Terminated. An instance that continues as new keeps running, so
    /// the wait goes on through its executions. Event driven; returns null when the instance does not exist (or is purged
    /// while waiting). A token that is already cancelled throws at once.
    /// </remarks>
    /// <exception cref="OperationCanceledException"><paramref name="cancellation"/> was cancelled before the instance finished.</exception>
    public override async Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(
        string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        cancellation.ThrowIfCancellationRequested();
        var state = await _store.WaitForInstanceAsync(
            instanceId, s => s is null || s.Status.IsTerminal(), getInputsAndOutputs, cancellation)
            .ConfigureAwait(false);
        return state is null ? null! : SdkMapping.ToMetadata(state, getInputsAndOutputs, _dataConverter);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Pages are ordered by instance id. A page holds at most the page size hint of <c>AsPages</c>, else
    /// <see cref="OrchestrationQuery.PageSize"/>. The client sees only its own task hub: when
    /// <see cref="OrchestrationQuery.TaskHubNames"/> is given and does not name it, the result is empty.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="OrchestrationQuery.PageSize"/> is not positive.</exception>
    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null)
    {
        var defaultPageSize = filter?.PageSize ?? OrchestrationQuery.DefaultPageSize;
        if (defaultPageSize < 1)
        {
            throw new ArgumentOutOfRangeException(
                nameof(filter), defaultPageSize, "OrchestrationQuery.PageSize must be at least 1.");
        }

        var statuses = filter?.Statuses?.Select(SdkMapping.ToCore).ToArray();
        var includePayloads = filter?.FetchInputsAndOutputs ?? false;
        var otherTaskHubsOnly = filter?.TaskHubNames?.ToArray() is { Length: > 0 } hubs
            && !hubs.Contains(TaskHub, StringComparer.OrdinalIgnoreCase);

        return Pageable.Create<OrchestrationMetadata>(async (continuation, pageSizeHint, cancellation) =>
        {
            if (otherTaskHubsOnly)
            {
                return new Page<OrchestrationMetadata>([], null);
            }

            var query = new InstanceQuery
            {
                Statuses = statuses,
                CreatedFrom = filter?.CreatedFrom,
                CreatedTo = filter?.CreatedTo,
                InstanceIdPrefix = string.IsNullOrEmpty(filter?.InstanceIdPrefix) ? null : filter.InstanceIdPrefix,
                PageSize = pageSizeHint is > 0 ? pageSizeHint.Value : defaultPageSize,
                ContinuationToken = continuation ?? filter?.ContinuationToken,
                IncludePayloads = includePayloads,
            };
            var page = await _store.QueryInstancesAsync(query, cancellation).ConfigureAwait(false);
            return new Page<OrchestrationMetadata>(
                [.. page.Instances.Select(s => SdkMapping.ToMetadata(s, includePayloads, _dataConverter))],
                page.ContinuationToken);
        });
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Ids come in instance id order. With a completed-time bound only instances that have finished match. The returned
    /// <see cref="Page{T}.ContinuationToken"/> is the <paramref name="lastInstanceKey"/> to pass for the next page; it is
    /// null after the last page.
    /// </remarks>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pageSize"/> is not positive.</exception>
    public override async Task<Page<string>> ListInstanceIdsAsync(
        IEnumerable<OrchestrationRuntimeStatus>? runtimeStatus = null,
        DateTimeOffset? completedTimeFrom = null,
        DateTimeOffset? completedTimeTo = null,
        int pageSize = OrchestrationQuery.DefaultPageSize,
        string? lastInstanceKey = null,
        CancellationToken cancellation = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        var query = new InstanceQuery
        {
            Statuses = runtimeStatus?.Select(SdkMapping.ToCore).ToArray(),
            CompletedFrom = completedTimeFrom,
            CompletedTo = completedTimeTo,
            PageSize = pageSize,
            ContinuationToken = string.IsNullOrEmpty(lastInstanceKey) ? null : lastInstanceKey,
        };
        var page = await _store.QueryInstancesAsync(query, cancellation).ConfigureAwait(false);
        return new Page<string>([.. page.Instances.Select(s => s.InstanceId)], page.ContinuationToken);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Returns the events of the instance's current execution (after continue-as-new, the latest one) in order, as
    /// DurableTask.Core history data objects. An instance that no worker has started yet has an empty history.
    /// DurableTask.Core has no entity events: entity calls, signals, lock requests and releases appear as
    /// <c>EventSent</c> to the entity id (named after the operation, or "lock" and "release"), and their results, failures
    /// and lock grants as <c>EventRaised</c> named EntityOperationCompleted, EntityOperationFailed or EntityLockGranted.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="instanceId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="instanceId"/> is empty, an entity id, or no such instance exists.</exception>
    public override async Task<IList<DtfHistory.HistoryEvent>> GetOrchestrationHistoryAsync(
        string instanceId, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        var state = await _store.GetInstanceAsync(instanceId, includePayloads: false, cancellation).ConfigureAwait(false)
            ?? throw NotFound(instanceId, nameof(instanceId));
        var history = await _store.GetHistoryAsync(instanceId, cancellation).ConfigureAwait(false);
        return SdkMapping.ToSdkHistory(history, state.InstanceId, state.ExecutionId);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Deletes the instance with its history and inbox. With <see cref="PurgeInstanceOptions.Recursive"/>, its finished
    /// sub-orchestrations are deleted too and counted. An unknown id purges nothing and returns a count of 0. The SDK's
    /// remarks and its exception list disagree on an unfinished instance; Perdure follows the exception list and the rule
    /// that wrong-state calls fail loudly: it throws <see cref="InvalidOperationException"/> and deletes nothing.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="instanceId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="instanceId"/> is empty or starts with the null character.</exception>
    /// <exception cref="InvalidOperationException">The instance is not Completed, Failed or Terminated.</exception>
    public override async Task<PurgeResult> PurgeInstanceAsync(
        string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId, allowEntityId: true);
        try
        {
            var count = await _store.PurgeInstanceAsync(instanceId, options?.Recursive ?? false, cancellation).ConfigureAwait(false);
            return new PurgeResult(count, isComplete: true);
        }
        catch (InstanceStateException e)
        {
            throw new InvalidOperationException(e.Message, e);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Deletes, in one operation, every finished instance that matches the filter; unfinished statuses in
    /// <see cref="PurgeInstancesFilter.Statuses"/> match nothing. The result is always complete, so
    /// <see cref="PurgeInstancesFilter.Timeout"/> is not used. <see cref="PurgeInstanceOptions.Recursive"/> is not used
    /// either (the SDK documents it as unsupported here): sub-orchestrations are purged when they match the filter.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="filter"/> is null.</exception>
    public override async Task<PurgeResult> PurgeAllInstancesAsync(
        PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(filter);
        var statuses = filter.Statuses?.Select(SdkMapping.ToCore).ToArray();
        if (statuses is { Length: > 0 } && !statuses.Any(s => s.IsTerminal()))
        {
            // Only unfinished statuses named: nothing can match, and an empty list would mean "all".
            return new PurgeResult(0, isComplete: true);
        }

        var purgeFilter = new PurgeFilter
        {
            CreatedFrom = filter.CreatedFrom,
            CreatedTo = filter.CreatedTo,
            Statuses = statuses,
        };
        var count = await _store.PurgeInstancesAsync(purgeFilter, cancellation).ConfigureAwait(false);
        return new PurgeResult(count, isComplete: true);
    }
}
