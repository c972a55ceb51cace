using Perdure.Core;

namespace Perdure.Core.Storage;

/// <summary>
/// One signal per kind of work, completed (and replaced) after a commit that may have made such work claimable: what a
/// store's <see cref="IPerdureStore.WhenWorkAvailable"/> hands out.
/// </summary>
public sealed class WorkSignals
{
    private readonly Lock _gate = new();
    private readonly TaskCompletionSource[] _signals = [New(), New(), New()];

    /// <summary>A task that completes at the next <see cref="Signal"/> of <paramref name="kind"/>.</summary>
    public Task When(WorkItemKind kind)
    {
        lock (_gate)
        {
            return _signals[Index(kind)].Task;
        }
    }

    /// <summary>Completes the current signal of <paramref name="kind"/> and starts a new one.</summary>
    public void Signal(WorkItemKind kind)
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            var index = Index(kind);
            fired = _signals[index];
            _signals[index] = New();
        }

        fired.TrySetResult();
    }

    private static int Index(WorkItemKind kind) => kind switch
    {
        WorkItemKind.Orchestration => 0,
        WorkItemKind.Activity => 1,
        WorkItemKind.Entity => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown kind of work item."),
    };

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
