namespace Perdure.Core.Entities;

/// <summary>A filter over entities, with paging. Results are ordered by entity id (ordinal).</summary>
public sealed record StoredEntityQuery
{
    /// <summary>Only entities whose id (<c>@name@key</c>) starts with this (ordinal); null for all.</summary>
    public string? EntityIdPrefix { get; init; }

    /// <summary>Only entities last modified at or after this time.</summary>
    public DateTimeOffset? LastModifiedFrom { get; init; }

    /// <summary>Only entities last modified at or before this time.</summary>
    public DateTimeOffset? LastModifiedTo { get; init; }

    /// <summary>Whether states are read.</summary>
    public bool IncludeState { get; init; }

    /// <summary>Whether rows without state (transient entities: locked or with waiting messages) are included.</summary>
    public bool IncludeTransient { get; init; }

    /// <summary>How many entities a page holds at most.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The token of the previous page, or null for the first.</summary>
    public string? ContinuationToken { get; init; }
}

/// <summary>One page of a <see cref="StoredEntityQuery"/>, ordered by entity id.</summary>
/// <param name="Entities">The entities on this page.</param>
/// <param name="ContinuationToken">The token for the next page; null when this is the last.</param>
public sealed record StoredEntityPage(IReadOnlyList<StoredEntity> Entities, string? ContinuationToken);
