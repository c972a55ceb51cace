namespace Perdure.Benchmarks;

/// <summary>
/// Waits for the JIT to reach the steady state a long-running worker is in. Tiered compilation first runs new code
/// unoptimized (and instrumented for profile-guided optimization), then compiles the hot methods again in the
/// background, only once no new method has been compiled for a while. A run of a fraction of a second measures mostly
/// the first tiers: in memory W1 ran at about half its steady rate, and W5's cold steps took twice as long.
/// </summary>
internal static class Jit
{
    /// <summary>Methods compiled so far in this process (all tiers).</summary>
    public static long CompiledMethods => System.Runtime.JitInfo.GetCompiledMethodCount();

    /// <summary>
    /// Returns once the JIT has compiled no method for half a second, or after 30 s in any case (a process that keeps
    /// compiling must not stop the benchmark).
    /// </summary>
    public static async Task SettledAsync(CancellationToken cancellationToken = default)
    {
        var compiled = CompiledMethods;
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            var now = CompiledMethods;
            if (now == compiled)
            {
                return;
            }

            compiled = now;
        }
    }
}
