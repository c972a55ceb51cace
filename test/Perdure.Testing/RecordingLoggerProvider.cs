using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Perdure.Testing;

/// <summary>
/// A logger provider that records every message with its category and event id, and lets a test await the first
/// message of an event id (event driven, no polling).
/// </summary>
public sealed class RecordingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentDictionary<int, TaskCompletionSource> _seen = new();

    /// <summary>Every message written, in order.</summary>
    public ConcurrentQueue<(string Category, int EventId, string Message)> Messages { get; } = new();

    /// <summary>The messages of one category, in order.</summary>
    public IReadOnlyList<string> MessagesOf(string category) =>
        [.. Messages.Where(m => m.Category == category).Select(m => m.Message)];

    /// <summary>Completes when a message with <paramref name="eventId"/> has been written.</summary>
    public Task WhenLogged(int eventId) => Signal(eventId).Task;

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private TaskCompletionSource Signal(int eventId) =>
        _seen.GetOrAdd(eventId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private sealed class Logger(RecordingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            owner.Messages.Enqueue((category, eventId.Id, formatter(state, exception)));
            owner.Signal(eventId.Id).TrySetResult();
        }
    }
}
