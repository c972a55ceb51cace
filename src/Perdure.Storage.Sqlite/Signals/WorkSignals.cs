using Perdure.Core;

namespace Perdure.Storage.Sqlite.Signals;

/// <summary>One signal per kind of work, completed (and replaced) after a commit that may have made such work claimable.</summary>
internal sealed class WorkSignals
{
    private readonly Lock _gate = new();
    private TaskCompletionSource _orchestrations = New();
    private TaskCompletionSource _activities = New();

    public Task When(WorkItemKind kind)
    {
        lock (_gate)
        {
            return kind == WorkItemKind.Orchestration ? _orchestrations.Task : _activities.Task;
        }
    }

    public void Signal(WorkItemKind kind)
    {
        TaskCompletionSource fired;
        lock (_gate)
        {
            if (kind == WorkItemKind.Orchestration)
            {
                fired = _orchestrations;
                _orchestrations = New();
            }
            else
            {
                fired = _activities;
                _activities = New();
            }
        }

        fired.TrySetResult();
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
