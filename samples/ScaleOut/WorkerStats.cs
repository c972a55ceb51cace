using Microsoft.DurableTask;

namespace ScaleOut;

/// <summary>This process's name as a worker, and what it ran, reported to the parent when it stops.</summary>
public static class WorkerStats
{
    private static long s_activities;
    private static long s_turns;

    /// <summary>The worker's name and process id, as activities report it; "client" outside worker mode.</summary>
    public static string Name { get; set; } = "client";

    /// <summary>Activities this process ran (a run whose result was lost, e.g. to an expired lease, counts too).</summary>
    public static long Activities => Interlocked.Read(ref s_activities);

    /// <summary>Orchestrator turns this process executed: code that ran for the first time, not replays.</summary>
    public static long Turns => Interlocked.Read(ref s_turns);

    /// <summary>Counts one activity run.</summary>
    public static void CountActivity() => Interlocked.Increment(ref s_activities);

    /// <summary>Counts an orchestrator turn, unless the code is replaying history.</summary>
    public static void CountTurn(TaskOrchestrationContext context)
    {
        if (!context.IsReplaying)
        {
            Interlocked.Increment(ref s_turns);
        }
    }
}
