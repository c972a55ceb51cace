namespace Perdure.Engine.Tests;

/// <summary>
/// Asserts that a context method returning a task refuses the call by throwing synchronously (before it records
/// anything), as opposed to returning a faulted task.
/// </summary>
internal static class Refused
{
    public static T Throws<T>(Func<Task> call)
        where T : Exception => Assert.Throws<T>(() => { _ = call(); });

    public static T ThrowsAny<T>(Func<Task> call)
        where T : Exception => Assert.ThrowsAny<T>(() => { _ = call(); });
}
