using System.Diagnostics;

namespace Perdure.Benchmarks;

/// <summary>
/// Counts the commands and batches this process sends to PostgreSQL while started, through Npgsql's tracing
/// (<see cref="ActivitySource"/> "Npgsql", one activity per command or batch). A batch is one round trip; COMMIT, sent
/// by the transaction and not as a command, is not counted.
/// </summary>
internal sealed class NpgsqlCommandCounter : IDisposable
{
    private readonly ActivityListener _listener;
    private long _count;
    private volatile bool _counting;

    public NpgsqlCommandCounter()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Npgsql",
            // PropagationData creates the activity (so it is counted) without recording its tags.
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStarted = activity =>
            {
                if (_counting && !activity.OperationName.Contains("open", StringComparison.OrdinalIgnoreCase))
                {
                    _ = Interlocked.Increment(ref _count);
                }
            },
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public long Count => Interlocked.Read(ref _count);

    public void Start() => _counting = true;

    public void Stop() => _counting = false;

    public void Dispose() => _listener.Dispose();
}
