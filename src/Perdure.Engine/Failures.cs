using Microsoft.DurableTask;
using Perdure.Core.History;

namespace Perdure.Engine;

/// <summary>Converts errors between the SDK's <see cref="TaskFailureDetails"/> and Perdure's recorded <see cref="FailureDetails"/>.</summary>
internal static class Failures
{
    /// <summary>
    /// Marks (in <see cref="Exception.Data"/>) a task failure that retrying cannot fix, such as an unregistered activity:
    /// a <see cref="RetryPolicy"/> does not retry it.
    /// </summary>
    public const string NonRetriableKey = "Perdure.NonRetriable";

    /// <summary>Records an exception; a <see cref="TaskFailedException"/> keeps the failed task's details as its inner failure.</summary>
    public static FailureDetails FromException(Exception exception)
    {
        var inner = exception switch
        {
            TaskFailedException failed => FromSdk(failed.FailureDetails),
            _ when exception.InnerException is { } e => FromException(e),
            _ => null,
        };
        return new FailureDetails(exception.GetType().FullName ?? exception.GetType().Name, exception.Message, exception.StackTrace, inner);
    }

    public static FailureDetails FromSdk(TaskFailureDetails details) =>
        new(details.ErrorType, details.ErrorMessage, details.StackTrace, details.InnerFailure is { } inner ? FromSdk(inner) : null);

    public static TaskFailureDetails ToSdk(FailureDetails details) =>
        new(details.ErrorType, details.ErrorMessage, details.StackTrace, details.InnerFailure is { } inner ? ToSdk(inner) : null, null);
}
