namespace Perdure.Core.Entities;

/// <summary>What <c>CleanEntityStorageAsync</c> cleans, one page of entity rows at a time.</summary>
public sealed record EntityCleanupRequest
{
    /// <summary>Delete rows with no state, no lock holder and no inbox message.</summary>
    public bool RemoveEmptyEntities { get; init; }

    /// <summary>
    /// Release locks whose lock request's execution is not the current execution of a Pending, Running or Suspended
    /// orchestration (the instance is gone, finished, or continued as new).
    /// </summary>
    public bool ReleaseOrphanedLocks { get; init; }

    /// <summary>How many entity rows one call examines at most.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The token of the previous call, or null to start.</summary>
    public string? ContinuationToken { get; init; }
}

/// <summary>What one <c>CleanEntityStorageAsync</c> call did.</summary>
/// <param name="EmptyEntitiesRemoved">Rows deleted because they were empty.</param>
/// <param name="OrphanedLocksReleased">Locks released because their holder no longer runs.</param>
/// <param name="ContinuationToken">The token for the next call; null when every row has been examined.</param>
public sealed record EntityCleanupResult(int EmptyEntitiesRemoved, int OrphanedLocksReleased, string? ContinuationToken);
