using Microsoft.DurableTask;

namespace ScaleOut;

/// <summary>What one pipeline computed, and which worker process ran each of its activities, in call order.</summary>
public sealed record PipelineResult(long Chain, long SumOfSquares, IReadOnlyList<string> ActivityWorkers);

/// <summary>What an activity returns: its value and the worker process that ran it.</summary>
public sealed record StepResult(long Value, string Worker);

/// <summary>Input of <see cref="Step"/>: the value so far and the number of the step.</summary>
public sealed record StepInput(long Value, int Step);

/// <summary>
/// Five activities in sequence, each taking the previous one's value, then a fan-out of twenty activities whose results
/// are summed. Any worker process may run any of these steps; the result does not depend on which.
/// </summary>
/// <remarks>
/// <see cref="WorkerStats.CountTurn"/> is called where the orchestrator's code resumes. It counts only when the code
/// runs for the first time (not while it replays recorded history), as the SDK's replay-safe logger does, so each worker
/// process counts the orchestrator turns it executed.
/// </remarks>
public sealed class Pipeline : TaskOrchestrator<int, PipelineResult>
{
    /// <summary>Steps in the chain.</summary>
    public const int ChainLength = 5;

    /// <summary>Activities in the fan-out.</summary>
    public const int FanOutWidth = 20;

    /// <summary>Activities one pipeline calls.</summary>
    public const int ActivitiesPerInstance = ChainLength + FanOutWidth;

    /// <inheritdoc/>
    public override async Task<PipelineResult> RunAsync(TaskOrchestrationContext context, int input)
    {
        ArgumentNullException.ThrowIfNull(context);
        WorkerStats.CountTurn(context);
        var workers = new List<string>(ActivitiesPerInstance);
        long value = input;
        for (var step = 1; step <= ChainLength; step++)
        {
            var result = await context.CallActivityAsync<StepResult>(nameof(Step), new StepInput(value, step));
            WorkerStats.CountTurn(context);
            value = result.Value;
            workers.Add(result.Worker);
        }

        var squares = await Task.WhenAll(Enumerable.Range(0, FanOutWidth)
            .Select(k => context.CallActivityAsync<StepResult>(nameof(Square), value + k)));
        WorkerStats.CountTurn(context);
        workers.AddRange(squares.Select(s => s.Worker));
        return new PipelineResult(value, squares.Sum(s => s.Value), workers);
    }

    /// <summary>What <see cref="RunAsync"/> must return for <paramref name="input"/>, computed here without any worker.</summary>
    public static (long Chain, long SumOfSquares) Expected(int input)
    {
        long value = input;
        for (var step = 1; step <= ChainLength; step++)
        {
            value = Step.Next(value, step);
        }

        var sum = 0L;
        for (var k = 0; k < FanOutWidth; k++)
        {
            sum += (value + k) * (value + k);
        }

        return (value, sum);
    }
}

/// <summary>One link of the chain.</summary>
public sealed class Step : TaskActivity<StepInput, StepResult>
{
    /// <summary>The value after step <paramref name="step"/>.</summary>
    public static long Next(long value, int step) => (value * 3) + step;

    /// <inheritdoc/>
    public override Task<StepResult> RunAsync(TaskActivityContext context, StepInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        WorkerStats.CountActivity();
        return Task.FromResult(new StepResult(Next(input.Value, input.Step), WorkerStats.Name));
    }
}

/// <summary>One branch of the fan-out.</summary>
public sealed class Square : TaskActivity<long, StepResult>
{
    /// <inheritdoc/>
    public override Task<StepResult> RunAsync(TaskActivityContext context, long input)
    {
        WorkerStats.CountActivity();
        return Task.FromResult(new StepResult(input * input, WorkerStats.Name));
    }
}
