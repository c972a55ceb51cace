using Microsoft.DurableTask;

namespace HelloCities;

/// <summary>Greets three cities, one after the other. Each call is a durable step: its result is recorded in history.</summary>
/// <remarks>
/// Orchestrator code is replayed, so it only awaits tasks from the context and makes no I/O of its own; the printing
/// happens in the activity.
/// </remarks>
public sealed class HelloCitiesOrchestrator : TaskOrchestrator<object?, List<string>>
{
    /// <inheritdoc/>
    public override async Task<List<string>> RunAsync(TaskOrchestrationContext context, object? input)
    {
        ArgumentNullException.ThrowIfNull(context);
        return
        [
            await context.CallActivityAsync<string>(nameof(SayHello), "Tokyo"),
            await context.CallActivityAsync<string>(nameof(SayHello), "Seattle"),
            await context.CallActivityAsync<string>(nameof(SayHello), "London"),
        ];
    }
}
