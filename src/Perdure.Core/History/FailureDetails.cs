namespace Perdure.Core.History;

/// <summary>An error as it is recorded in history: type, message, stack and the chain of inner errors.</summary>
/// <param name="ErrorType">The full name of the exception type.</param>
/// <param name="ErrorMessage">The exception message.</param>
/// <param name="StackTrace">The stack trace, if known.</param>
/// <param name="InnerFailure">The inner error, if any.</param>
public sealed record FailureDetails(string ErrorType, string ErrorMessage, string? StackTrace = null, FailureDetails? InnerFailure = null)
{
    /// <summary>Whether retrying cannot help (for example the task is not registered).</summary>
    public bool IsNonRetriable { get; init; }

    /// <summary>Builds the details of an exception, inner exceptions included.</summary>
    public static FailureDetails FromException(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return new FailureDetails(
            exception.GetType().FullName ?? exception.GetType().Name,
            exception.Message,
            exception.StackTrace,
            exception.InnerException is { } inner ? FromException(inner) : null);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{ErrorType}: {ErrorMessage}";
}
