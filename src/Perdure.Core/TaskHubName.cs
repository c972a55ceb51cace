namespace Perdure.Core;

/// <summary>Rules for task hub names, shared by every store.</summary>
public static class TaskHubName
{
    /// <summary>The longest task hub name accepted.</summary>
    public const int MaxLength = 64;

    /// <summary>The task hub used when none is configured.</summary>
    public const string Default = "default";

    /// <summary>Throws an <see cref="ArgumentException"/> naming the problem if <paramref name="taskHub"/> is not a valid name.</summary>
    /// <remarks>Letters, digits, '-' and '_', 1 to 64 characters, so the name is safe in any store's keys and channel names.</remarks>
    public static void Validate(string taskHub)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(taskHub);
        if (taskHub.Length > MaxLength || !taskHub.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            throw new ArgumentException(
                $"Task hub name '{taskHub}' is not valid: use 1 to {MaxLength} ASCII letters, digits, '-' or '_'.",
                nameof(taskHub));
        }
    }
}
