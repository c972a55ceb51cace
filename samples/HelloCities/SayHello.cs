using Microsoft.DurableTask;

namespace HelloCities;

/// <summary>An activity: ordinary code that may do I/O. It runs at least once per call.</summary>
public sealed class SayHello : TaskActivity<string, string>
{
    /// <inheritdoc/>
    public override Task<string> RunAsync(TaskActivityContext context, string input)
    {
        ArgumentNullException.ThrowIfNull(context);
        var greeting = $"Hello, {input}!";
        Console.WriteLine($"  {context.Name}({input}) -> {greeting}");
        return Task.FromResult(greeting);
    }
}
