namespace Perdure.Engine.Dispatch;

/// <summary>How long a work item that keeps failing waits before its next attempt.</summary>
internal static class Backoff
{
    /// <summary>250 ms after the first failure, doubling with each consecutive one, never more than <paramref name="max"/>.</summary>
    public static TimeSpan After(int attempt, TimeSpan max)
    {
        var delay = TimeSpan.FromMilliseconds(250 * Math.Pow(2, Math.Clamp(attempt - 1, 0, 16)));
        return delay < max ? delay : max;
    }
}
