namespace Perdure.Core;

/// <summary>A filter over orchestration instances, with paging.</summary>
public sealed record InstanceQuery
{
    /// <summary>Only instances in one of these statuses; null or empty for all.</summary>
    public IReadOnlyCollection<OrchestrationStatus>? Statuses { get; init; }

    /// <summary>Only instances created at or after this time.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Only instances created at or before this time.</summary>
    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Only instances that reached a terminal status at or after this time.</summary>
    public DateTimeOffset? CompletedFrom { get; init; }

    /// <summary>Only instances that reached a terminal status at or before this time.</summary>
    public DateTimeOffset? CompletedTo { get; init; }

    /// <summary>Only instances whose id starts with this (ordinal).</summary>
    public string? InstanceIdPrefix { get; init; }

    /// <summary>Only instances with this orchestrator name (ordinal, case-insensitive).</summary>
    public string? Name { get; init; }

    /// <summary>How many instances a page holds at most.</summary>
    public int PageSize { get; init; } = 100;

    /// <summary>The token of the previous page, or null for the first.</summary>
    public string? ContinuationToken { get; init; }

    /// <summary>Whether inputs, outputs and custom status are read.</summary>
    public bool IncludePayloads { get; init; }
}

/// <summary>One page of an <see cref="InstanceQuery"/>, ordered by instance id.</summary>
/// <param name="Instances">The instances on this page.</param>
/// <param name="ContinuationToken">The token for the next page; null when this is the last.</param>
public sealed record InstancePage(IReadOnlyList<InstanceState> Instances, string? ContinuationToken);

/// <summary>A filter for purging terminal instances.</summary>
public sealed record PurgeFilter
{
    /// <summary>Only instances created at or after this time.</summary>
    public DateTimeOffset? CreatedFrom { get; init; }

    /// <summary>Only instances created at or before this time.</summary>
    public DateTimeOffset? CreatedTo { get; init; }

    /// <summary>Only instances in these statuses (non-terminal ones are ignored); null or empty for all terminal statuses.</summary>
    public IReadOnlyCollection<OrchestrationStatus>? Statuses { get; init; }
}
