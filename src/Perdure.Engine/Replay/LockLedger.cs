using Perdure.Core.History;

namespace Perdure.Engine.Replay;

/// <summary>
/// What an execution's recorded events say about its locks: the lock requests no <see cref="EntityUnlockSentEvent"/>
/// followed, and the highest task id used. At the end of the execution the engine releases those locks from this, not
/// from the code's objects, so the release also happens for a runtime that replay found nondeterministic, a terminated
/// one, and an instance failed without its runtime.
/// </summary>
internal sealed class LockLedger
{
    private readonly SortedDictionary<int, IReadOnlyList<string>> _unreleased = [];

    /// <summary>The highest task id of the recorded events; -1 when none has one.</summary>
    public int HighestTaskId { get; private set; } = -1;

    /// <summary>Notes one recorded event (history, or an event of the current step's delta).</summary>
    public void Note(HistoryEvent e)
    {
        switch (e)
        {
            case EntityLockRequestedEvent requested:
                _unreleased[requested.EventId] = requested.LockSet;
                break;
            case EntityUnlockSentEvent unlocked:
                _unreleased.Remove(unlocked.LockRequestId);
                break;
        }

        if (TaskIdOf(e) is { } taskId && taskId > HighestTaskId)
        {
            HighestTaskId = taskId;
        }
    }

    /// <summary>
    /// An <see cref="EntityUnlockSentEvent"/> for every lock request still unreleased, in task id order, with task ids from
    /// <paramref name="nextTaskId"/> (raised above every recorded one); the ledger is empty afterwards.
    /// </summary>
    public List<EntityUnlockSentEvent> ReleaseAll(int nextTaskId, DateTimeOffset now)
    {
        var id = Math.Max(nextTaskId, HighestTaskId + 1);
        List<EntityUnlockSentEvent> releases = [];
        if (_unreleased.Count == 0)
        {
            return releases; // enumerating a sorted dictionary allocates a stack, even when it is empty
        }

        foreach (var (lockRequestId, lockSet) in _unreleased)
        {
            releases.Add(new EntityUnlockSentEvent { EventId = id, LockRequestId = lockRequestId, LockSet = lockSet, Timestamp = now });
            HighestTaskId = id++;
        }

        _unreleased.Clear();
        return releases;
    }

    /// <summary>The task id of a scheduling event (one the code's actions record); null for any other event.</summary>
    public static int? TaskIdOf(HistoryEvent e) => e switch
    {
        TaskScheduledEvent s => s.EventId,
        TimerCreatedEvent s => s.EventId,
        SubOrchestrationCreatedEvent s => s.EventId,
        EventSentEvent s => s.EventId,
        EntityOperationCalledEvent s => s.EventId,
        EntityOperationSignaledEvent s => s.EventId,
        EntityLockRequestedEvent s => s.EventId,
        EntityUnlockSentEvent s => s.EventId,
        _ => null,
    };
}
