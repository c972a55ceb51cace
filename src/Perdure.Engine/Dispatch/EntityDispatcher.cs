using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Perdure.Core;
using Perdure.Core.Entities;
using Perdure.Engine.Entities;

namespace Perdure.Engine.Dispatch;

/// <summary>
/// Runs entity batches: claim an entity with its visible messages, pick the batch (<see cref="EntityBatchPlanner"/>), run
/// its operations (<see cref="EntityBatchExecutor"/>) while renewing the lease, and commit state, answers, signals, lock
/// changes and consumed messages in one store call (<see cref="EntityCheckpointBuilder"/>).
/// </summary>
/// <remarks>
/// User code only ever fails its own operation; a failure of the dispatcher or the store abandons the entity with
/// back-off, and the same messages run again from the same state. When the worker stops, the operation in progress
/// finishes and the operations that ran are committed; the rest stay in the inbox.
/// </remarks>
internal sealed class EntityDispatcher
{
    private readonly DispatchContext _context;
    private readonly EntityBatchExecutor _executor;
    private readonly CancellationToken _stopping;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, int> _failures = new(StringComparer.Ordinal);

    /// <param name="context">What the dispatchers share.</param>
    /// <param name="stopping">Fires when the worker stops: no further operation of a running batch starts.</param>
    public EntityDispatcher(DispatchContext context, CancellationToken stopping)
    {
        _context = context;
        _stopping = stopping;
        _executor = new EntityBatchExecutor(context.Factory, context.Services, context.Options.DataConverter);
        _logger = context.LoggerFactory.CreateLogger("Perdure.Engine.Entities");
    }

    public Task<IReadOnlyList<EntityWorkItem>> ClaimAsync(int maxCount, CancellationToken cancellationToken) =>
        _context.Store.ClaimEntitiesAsync(_context.WorkerId, _context.Options.LeaseDuration, maxCount, cancellationToken);

    public async Task ProcessAsync(EntityWorkItem workItem)
    {
        var entityId = workItem.EntityId;
        using var renewal = new CancellationTokenSource();
        var renewing = Task.CompletedTask;
        try
        {
            var plan = EntityBatchPlanner.Plan(workItem.Entity, workItem.Messages, _context.Options.MaxEntityBatchSize);
            renewing = RenewWhileRunningAsync(workItem, renewal.Token);
            var result = await _executor.ExecuteAsync(plan.EntityId, workItem.Entity.State, plan.Requests, _stopping).ConfigureAwait(false);
            await renewal.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(false);
            LogFailedSignals(entityId, plan, result);
            var checkpoint = EntityCheckpointBuilder.Build(plan, result, _context.Time.GetUtcNow());
            var leftAlone = await _context.Store.CompleteEntityAsync(workItem, checkpoint, CancellationToken.None).ConfigureAwait(false);
            _failures.TryRemove(entityId, out _);
            foreach (var instanceId in leftAlone)
            {
                Log.EntityStartLeftAlone(_logger, entityId, instanceId);
            }
        }
        catch (WorkItemLockLostException)
        {
            Log.EntityLeaseLost(_logger, entityId);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            var attempt = _failures.AddOrUpdate(entityId, 1, (_, n) => n + 1);
            var retryAfter = Backoff.After(attempt, _context.Options.MaxRetryBackoff);
            Log.EntityBatchError(_logger, ex, entityId, retryAfter);
            try
            {
                await _context.Store.AbandonEntityAsync(workItem, retryAfter, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception abandonError) when (abandonError is not OutOfMemoryException)
            {
                // The lease runs out on its own, and the entity comes back then.
                Log.EntityBatchError(_logger, abandonError, entityId, _context.Options.LeaseDuration);
            }
        }
        finally
        {
            await renewal.CancelAsync().ConfigureAwait(false);
            await renewing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>Renews the entity's lease a third of a lease apart while its operations run (they may do real I/O).</summary>
    private async Task RenewWhileRunningAsync(EntityWorkItem workItem, CancellationToken done)
    {
        var interval = _context.Options.LeaseDuration / 3;
        while (true)
        {
            await Task.Delay(interval, _context.Time, done).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            if (done.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await _context.Store.RenewEntityLeaseAsync(workItem, _context.Options.LeaseDuration, CancellationToken.None).ConfigureAwait(false);
            }
            catch (WorkItemLockLostException)
            {
                return; // the commit finds out and drops the batch
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Retried at the next round; the lease still has two thirds of its time left.
                Log.EntityBatchError(_logger, ex, workItem.EntityId, interval);
            }
        }
    }

    /// <summary>A failed signal has nobody to tell: it is logged, and the entity carries on.</summary>
    private void LogFailedSignals(string entityId, EntityBatchPlan plan, EntityBatchResult result)
    {
        for (var i = 0; i < result.Results.Count; i++)
        {
            if (plan.Operations[i].Caller is null && result.Results[i].Failure is { } failure)
            {
                Log.EntitySignalFailed(_logger, entityId, plan.Operations[i].Request.Operation, failure.ErrorType, failure.ErrorMessage);
            }
        }
    }
}
