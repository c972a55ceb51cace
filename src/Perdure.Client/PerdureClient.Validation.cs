using System.Runtime.CompilerServices;
using Microsoft.DurableTask.Client;
using Perdure.Core;

namespace Perdure.Client;

public sealed partial class PerdureClient
{
    private static readonly OrchestrationStatus[] DedupableStatuses =
        [.. StartOrchestrationOptionsExtensions.ValidDedupeStatuses.Select(SdkMapping.ToCore)];

    /// <summary>Checks an id for a new instance: the rules every store can key on.</summary>
    private static void ValidateNewInstanceId(string instanceId, string paramName)
    {
        if (instanceId.Length == 0)
        {
            throw new ArgumentException(
                "The instance id is empty. Pass a non-empty id, or leave StartOrchestrationOptions.InstanceId null for a generated one.",
                paramName);
        }

        if (instanceId.Length > MaxInstanceIdLength)
        {
            throw new ArgumentException(
                $"Instance id '{instanceId[..32]}...' is {instanceId.Length} characters long; use at most {MaxInstanceIdLength}.",
                paramName);
        }

        if (instanceId.Any(char.IsControl))
        {
            throw new ArgumentException(
                $"Instance id '{Printable(instanceId)}' contains a control character; use printable characters only.",
                paramName);
        }

        if (instanceId[0] == '@')
        {
            throw new ArgumentException(
                $"Instance id '{instanceId}' starts with '@', which is reserved for entity ids; choose an id without the leading '@'.",
                paramName);
        }
    }

    /// <summary>Checks an id that names an existing orchestration instance.</summary>
    private static void ValidateInstanceIdArgument(
        string? instanceId, bool allowEntityId = false, [CallerArgumentExpression(nameof(instanceId))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(instanceId, paramName);
        if (instanceId.Length == 0 || instanceId[0] == '\0')
        {
            throw new ArgumentException("The instance id is empty (or starts with the null character); pass the id of an orchestration instance.", paramName);
        }

        if (!allowEntityId && instanceId[0] == '@')
        {
            throw new ArgumentException(
                $"Instance id '{instanceId}' is an entity id ('@' prefix); this operation applies to orchestration instances only.",
                paramName);
        }
    }

    /// <summary>
    /// Turns the SDK's dedupe status names into statuses; null stays null (the store's default rule applies).
    /// </summary>
    private static OrchestrationStatus[]? ParseDedupeStatuses(IReadOnlyList<string>? names, string paramName)
    {
        if (names is null)
        {
            return null;
        }

        var statuses = new List<OrchestrationStatus>(names.Count);
        foreach (var name in names)
        {
            // Names only: Enum.TryParse also accepts numbers, which would let undefined values through.
            if (string.IsNullOrWhiteSpace(name)
                || !name.Trim().All(char.IsAsciiLetter)
                || !Enum.TryParse<OrchestrationRuntimeStatus>(name, ignoreCase: true, out var sdkStatus)
                || !DedupableStatuses.Contains(SdkMapping.ToCore(sdkStatus)))
            {
                throw new ArgumentException(
                    $"'{name}' in StartOrchestrationOptions.DedupeStatuses is not a status that can be deduplicated. Use " +
                    $"{string.Join(", ", StartOrchestrationOptionsExtensions.ValidDedupeStatuses)} (or the WithDedupeStatuses extension).",
                    paramName);
            }

            statuses.Add(SdkMapping.ToCore(sdkStatus));
        }

        var unfinished = new[] { OrchestrationStatus.Pending, OrchestrationStatus.Running, OrchestrationStatus.Suspended };
        if (statuses.Contains(OrchestrationStatus.Terminated) && !unfinished.All(statuses.Contains))
        {
            throw new ArgumentException(
                "StartOrchestrationOptions.DedupeStatuses contains Terminated but leaves " +
                $"{string.Join(", ", unfinished.Where(s => !statuses.Contains(s)))} reusable: an existing instance in that " +
                "status would be terminated and the new one then refused as a duplicate. Remove Terminated, or add every " +
                "unfinished status (Pending, Running, Suspended).",
                paramName);
        }

        return [.. statuses.Distinct()];
    }

    private static string Printable(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
