using Microsoft.DurableTask.Client;

namespace Perdure.Benchmarks;

/// <summary>The check every workload makes of a finished instance: it exists, completed, and returned what it must.</summary>
internal static class Outputs
{
    /// <summary>What is wrong with <paramref name="result"/>, or null when it completed with <paramref name="expected"/>.</summary>
    /// <param name="instance">How the message names the instance, e.g. "instance w1-7 (#7)".</param>
    /// <param name="result">The instance as the client read it once finished (null: it does not exist).</param>
    /// <param name="expected">The output it must have returned.</param>
    public static string? Wrong<T>(string instance, OrchestrationMetadata? result, T expected)
    {
        if (result is null)
        {
            return $"{instance} does not exist";
        }

        if (result.RuntimeStatus != OrchestrationRuntimeStatus.Completed)
        {
            return $"{instance} is {result.RuntimeStatus}: {result.FailureDetails?.ErrorMessage}";
        }

        var output = result.ReadOutputAs<T>();
        return EqualityComparer<T>.Default.Equals(output, expected) ? null : $"{instance} returned {Show(output)}, expected {Show(expected)}";
    }

    private static string Show<T>(T value) => value is string text ? $"'{text}'" : $"{value}";
}
