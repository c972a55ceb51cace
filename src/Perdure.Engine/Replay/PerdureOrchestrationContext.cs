using System.Security.Cryptography;
using System.Text;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Perdure.Engine.Replay;

/// <summary>
/// Perdure's <see cref="TaskOrchestrationContext"/>: what orchestrator code talks to. Every call records an action on
/// the <see cref="OrchestrationRuntime"/>; every task it returns completes only through history.
/// </summary>
internal sealed class PerdureOrchestrationContext : TaskOrchestrationContext
{
    /// <summary>The SDK documents a 16 KB (UTF-16) limit for the serialized custom status.</summary>
    internal const int MaxCustomStatusChars = 16 * 1024 / 2;

    private static readonly Guid GuidNamespace = new("9e952958-5e33-4daf-827f-2fa12937b875");
    private readonly OrchestrationRuntime _runtime;
    private readonly ILoggerFactory _loggerFactory;

    public PerdureOrchestrationContext(OrchestrationRuntime runtime, ILoggerFactory loggerFactory)
    {
        _runtime = runtime;
        _loggerFactory = loggerFactory;
        Entities = new PerdureOrchestrationEntityFeature(runtime);
    }

    /// <inheritdoc/>
    public override Microsoft.DurableTask.Entities.TaskOrchestrationEntityFeature Entities { get; }

    /// <inheritdoc/>
    public override TaskName Name => new(_runtime.Started?.Name ?? string.Empty);

    /// <inheritdoc/>
    public override string InstanceId => _runtime.InstanceId;

    /// <inheritdoc/>
    public override ParentOrchestrationInstance? Parent =>
        _runtime.Started?.Parent is { } p ? new ParentOrchestrationInstance(new TaskName(p.Name), p.InstanceId) : null;

    /// <inheritdoc/>
    public override DateTime CurrentUtcDateTime => _runtime.CurrentUtcDateTime;

    /// <inheritdoc/>
    public override bool IsReplaying => _runtime.IsReplaying;

    /// <inheritdoc/>
    public override string Version => _runtime.Started?.Version ?? string.Empty;

    /// <inheritdoc/>
    protected override ILoggerFactory LoggerFactory => _loggerFactory;

    /// <inheritdoc/>
    public override T GetInput<T>() where T : default =>
        _runtime.Started?.Input is { } input ? _runtime.Converter.Deserialize<T>(input)! : default!;

    /// <inheritdoc/>
    public override Task<TResult> CallActivityAsync<TResult>(TaskName name, object? input = null, TaskOptions? options = null)
    {
        _runtime.EnsureOnOrchestratorThread();
        ArgumentException.ThrowIfNullOrEmpty(name.Name, nameof(name));
        var serialized = Serialize(input);
        var version = options?.Version?.Version;
        var tags = options?.Tags is { Count: > 0 } t ? new Dictionary<string, string>(t) : null;
        // Without a retry, the call is the attempt itself: no retry layer (an async frame, a closure and a continuation on
        // the orchestration scheduler per call). The closure lives in another method, or it would be made on every call.
        return options?.Retry is { } retry
            ? CallActivityWithRetryAsync<TResult>(retry, name.Name, version, serialized, tags)
            : Deserialize<TResult>(_runtime.ScheduleActivity(name.Name, version, serialized, tags));
    }

    private Task<TResult> CallActivityWithRetryAsync<TResult>(
        TaskRetryOptions retry, string name, string? version, string? serialized, IReadOnlyDictionary<string, string>? tags) =>
        WithRetry(retry, () => Deserialize<TResult>(_runtime.ScheduleActivity(name, version, serialized, tags)));

    /// <inheritdoc/>
    public override Task<TResult> CallSubOrchestratorAsync<TResult>(TaskName orchestratorName, object? input = null, TaskOptions? options = null)
    {
        _runtime.EnsureOnOrchestratorThread();
        ArgumentException.ThrowIfNullOrEmpty(orchestratorName.Name, nameof(orchestratorName));
        _runtime.EnsureNoCriticalSectionForSubOrchestration();
        var serialized = Serialize(input);
        var sub = options as SubOrchestrationOptions;
        var instanceId = sub?.InstanceId ?? NewGuid().ToString("N");
        var version = sub?.Version?.Version ?? options?.Version?.Version;
        var tags = options?.Tags is { Count: > 0 } t ? new Dictionary<string, string>(t) : null;
        return WithRetry(options?.Retry, () => Deserialize<TResult>(
            _runtime.StartSubOrchestration(orchestratorName.Name, version, instanceId, serialized, tags)));
    }

    /// <inheritdoc/>
    public override Task CreateTimer(DateTime fireAt, CancellationToken cancellationToken)
    {
        _runtime.EnsureOnOrchestratorThread();
        var at = fireAt.Kind == DateTimeKind.Unspecified ? DateTime.SpecifyKind(fireAt, DateTimeKind.Utc) : fireAt.ToUniversalTime();
        return _runtime.CreateTimer(new DateTimeOffset(at), cancellationToken);
    }

    /// <inheritdoc/>
    public override Task<T> WaitForExternalEvent<T>(string eventName, CancellationToken cancellationToken = default)
    {
        _runtime.EnsureOnOrchestratorThread();
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        return Deserialize<T>(_runtime.WaitForEvent(eventName, cancellationToken));
    }

    /// <inheritdoc/>
    public override void SendEvent(string instanceId, string eventName, object payload)
    {
        _runtime.EnsureOnOrchestratorThread();
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentException.ThrowIfNullOrEmpty(eventName);
        _runtime.SendEvent(instanceId, eventName, Serialize(payload));
    }

    /// <inheritdoc/>
    public override void SetCustomStatus(object? customStatus)
    {
        _runtime.EnsureOnOrchestratorThread();
        var serialized = Serialize(customStatus);
        if (serialized is { Length: > MaxCustomStatusChars })
        {
            throw new ArgumentException(
                $"The custom status of orchestration '{InstanceId}' serializes to {serialized.Length} characters; the limit is " +
                $"{MaxCustomStatusChars} (16 KB of UTF-16). Keep custom status small and put large data in the output or an activity's storage.",
                nameof(customStatus));
        }

        _runtime.SetCustomStatus(serialized);
    }

    /// <inheritdoc/>
    public override void ContinueAsNew(object? newInput = null, bool preserveUnprocessedEvents = true)
    {
        _runtime.EnsureOnOrchestratorThread();
        _runtime.RequestContinueAsNew(new ContinueAsNewRequest(Serialize(newInput), preserveUnprocessedEvents, null));
    }

    /// <inheritdoc/>
    public override void ContinueAsNew(ContinueAsNewOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _runtime.EnsureOnOrchestratorThread();
        _runtime.RequestContinueAsNew(new ContinueAsNewRequest(Serialize(options.NewInput), options.PreserveUnprocessedEvents, options.NewVersion));
    }

    /// <inheritdoc/>
    /// <remarks>A name-based (version 5) UUID of the instance id, the current orchestration time and a counter that runs through the execution.</remarks>
    public override Guid NewGuid()
    {
        _runtime.EnsureOnOrchestratorThread();
        var name = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{InstanceId}_{CurrentUtcDateTime:O}_{_runtime.NextGuidCounter()}");
        return CreateNameBasedGuid(GuidNamespace, name);
    }

    internal static Guid CreateNameBasedGuid(Guid namespaceId, string name)
    {
        Span<byte> ns = stackalloc byte[16];
        namespaceId.TryWriteBytes(ns, bigEndian: true, out _);
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var buffer = new byte[16 + nameBytes.Length];
        ns.CopyTo(buffer);
        nameBytes.CopyTo(buffer, 16);
#pragma warning disable CA5350 // RFC 4122 version 5 UUIDs are defined on SHA-1; this is naming, not security.
        var hash = SHA1.HashData(buffer);
#pragma warning restore CA5350
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    private string? Serialize(object? value) => value is null ? null : _runtime.Converter.Serialize(value);

    private async Task<T> Deserialize<T>(Task<string?> payload)
    {
        var serialized = await payload;
        return serialized is null ? default! : _runtime.Converter.Deserialize<T>(serialized)!;
    }

    private async Task<T> WithRetry<T>(TaskRetryOptions? retry, Func<Task<T>> attempt)
    {
        if (retry?.Policy is { } policy)
        {
            var firstAttemptAt = CurrentUtcDateTime;
            for (var attemptNumber = 1; ; attemptNumber++)
            {
                try
                {
                    return await attempt();
                }
                catch (TaskFailedException failed)
                {
                    var delay = RetryDelay(policy, attemptNumber, firstAttemptAt, failed);
                    if (delay is null)
                    {
                        throw;
                    }

                    await CreateTimer(CurrentUtcDateTime + delay.Value, CancellationToken.None);
                }
            }
        }

        if (retry?.Handler is { } handler)
        {
            var firstAttemptAt = CurrentUtcDateTime;
            for (var attemptNumber = 1; ; attemptNumber++)
            {
                try
                {
                    return await attempt();
                }
                catch (TaskFailedException failed)
                {
                    var retryContext = new RetryContext(this, attemptNumber, failed.FailureDetails, CurrentUtcDateTime - firstAttemptAt, CancellationToken.None);
                    if (!await handler(retryContext))
                    {
                        throw;
                    }
                }
            }
        }

        return await attempt();
    }

    /// <summary>The delay before the next attempt, or null when the policy says to give up.</summary>
    private TimeSpan? RetryDelay(RetryPolicy policy, int failedAttempts, DateTime firstAttemptAt, TaskFailedException failed)
    {
        if (failedAttempts >= policy.MaxNumberOfAttempts
            || failed.Data.Contains(Failures.NonRetriableKey)
            || !policy.Handle(ToCoreException(failed)))
        {
            return null;
        }

        if (policy.RetryTimeout != Timeout.InfiniteTimeSpan && CurrentUtcDateTime >= firstAttemptAt + policy.RetryTimeout)
        {
            return null;
        }

        var delayMs = policy.FirstRetryInterval.TotalMilliseconds * Math.Pow(policy.BackoffCoefficient, failedAttempts - 1);
        var delay = TimeSpan.FromMilliseconds(Math.Min(delayMs, TimeSpan.MaxValue.TotalMilliseconds / 2));
        if (policy.MaxRetryInterval != Timeout.InfiniteTimeSpan && delay > policy.MaxRetryInterval)
        {
            delay = policy.MaxRetryInterval;
        }

        return delay;
    }

    /// <summary>
    /// <see cref="RetryPolicy.Handle"/> (and <c>HandleTaskFailureDetails</c>) inspect the exception types of the Durable
    /// Task data model, so the policy is shown the failure in that shape.
    /// </summary>
    private static global::DurableTask.Core.Exceptions.TaskFailedException ToCoreException(TaskFailedException failed) =>
        new(0, failed.TaskId, failed.TaskName, null, failed.Message, null) { FailureDetails = ToCore(failed.FailureDetails) };

    private static global::DurableTask.Core.FailureDetails ToCore(TaskFailureDetails details) =>
        new(details.ErrorType, details.ErrorMessage, details.StackTrace, details.InnerFailure is { } inner ? ToCore(inner) : null, false);
}
