using Microsoft.DurableTask.Client;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Client;

public sealed partial class PerdureClient
{
    /// <inheritdoc/>
    /// <remarks>
    /// The event goes into the instance's inbox and is consumed by its next step. As the SDK documents, an event for an
    /// instance that does not exist or has finished is discarded without an error (Perdure logs it at debug level).
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="instanceId"/> or <paramref name="eventName"/> is null or empty.</exception>
    /// <exception cref="ArgumentException"><paramref name="instanceId"/> is an entity id ('@' prefix).</exception>
    public override async Task RaiseEventAsync(
        string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        if (string.IsNullOrEmpty(instanceId))
        {
            throw new ArgumentNullException(nameof(instanceId), "The instance id is null or empty; pass the id of the orchestration instance to notify.");
        }

        if (string.IsNullOrEmpty(eventName))
        {
            throw new ArgumentNullException(nameof(eventName), "The event name is null or empty; pass the name the orchestration waits for.");
        }

        ValidateInstanceIdArgument(instanceId);
        var input = _dataConverter.Serialize(eventPayload);
        var sent = await SendIfRunningAsync(
            instanceId, new EventRaisedEvent { Timestamp = _time.GetUtcNow(), Name = eventName, Input = input }, cancellation)
            .ConfigureAwait(false);
        if (!sent)
        {
            Log.EventDiscarded(_logger, eventName, instanceId);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A terminate message goes into the instance's inbox; a worker applies it in the instance's next step, even while the
    /// instance is suspended. As the SDK documents, terminating an instance that does not exist or has finished does
    /// nothing and throws nothing. <see cref="TerminateInstanceOptions.Output"/> is serialized with the client's
    /// <see cref="DurableTaskClientOptions.DataConverter"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="instanceId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="instanceId"/> is empty or an entity id.</exception>
    public override async Task TerminateInstanceAsync(
        string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        var terminated = new ExecutionTerminatedEvent
        {
            Timestamp = _time.GetUtcNow(),
            Output = _dataConverter.Serialize(options?.Output),
            Recursive = options?.Recursive ?? false,
        };
        var sent = await SendIfRunningAsync(instanceId, terminated, cancellation).ConfigureAwait(false);
        if (!sent)
        {
            Log.TerminateIgnored(_logger, instanceId);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A suspend message goes into the instance's inbox; once a worker applies it the instance is Suspended and its other
    /// messages wait until it is resumed (terminate still gets through). The SDK leaves the unknown-instance and
    /// finished-instance cases open; Perdure refuses them with an exception and writes nothing.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="instanceId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="instanceId"/> is empty, an entity id, or no such instance exists.</exception>
    /// <exception cref="InvalidOperationException">The instance has finished.</exception>
    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        return SendToUnfinishedAsync(
            instanceId, new ExecutionSuspendedEvent { Timestamp = _time.GetUtcNow(), Reason = reason }, "suspended", cancellation);
    }

    /// <inheritdoc/>
    /// <remarks>
    /// A resume message goes into the instance's inbox and is applied even though the instance is suspended. It is sent to
    /// any unfinished instance, so a resume that overtakes a not-yet-applied suspend still cancels it. Unknown or finished
    /// instances are refused with an exception, as for <see cref="SuspendInstanceAsync(string, string, CancellationToken)"/>.
    /// </remarks>
    /// <exception cref="ArgumentNullException"><paramref name="instanceId"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="instanceId"/> is empty, an entity id, or no such instance exists.</exception>
    /// <exception cref="InvalidOperationException">The instance has finished.</exception>
    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        return SendToUnfinishedAsync(
            instanceId, new ExecutionResumedEvent { Timestamp = _time.GetUtcNow(), Reason = reason }, "resumed", cancellation);
    }

    /// <inheritdoc/>
    /// <remarks>Perdure does not support rewind yet; this always throws <see cref="NotSupportedException"/>.</remarks>
    /// <exception cref="NotSupportedException">Always.</exception>
    public override Task RewindInstanceAsync(string instanceId, string reason, CancellationToken cancellation = default)
    {
        ValidateInstanceIdArgument(instanceId);
        throw new NotSupportedException(
            $"Perdure does not support rewinding orchestrations yet, so '{instanceId}' was left as it is. To run a failed " +
            "orchestration again, call RestartAsync(instanceId), which starts it over with the same input and a fresh " +
            "history, or schedule a new instance.");
    }

    /// <summary>Sends <paramref name="message"/> unless the instance is missing or finished; returns whether it was sent.</summary>
    private async Task<bool> SendIfRunningAsync(string instanceId, HistoryEvent message, CancellationToken cancellation)
    {
        var state = await _store.GetInstanceAsync(instanceId, includePayloads: false, cancellation).ConfigureAwait(false);
        if (state is null || state.Status.IsTerminal())
        {
            return false;
        }

        try
        {
            await _store.SendMessageAsync(new InstanceMessage { InstanceId = instanceId, Event = message }, cancellation)
                .ConfigureAwait(false);
            return true;
        }
        catch (InstanceNotFoundException)
        {
            // Purged between the read and the send.
            return false;
        }
    }

    private async Task SendToUnfinishedAsync(string instanceId, HistoryEvent message, string verb, CancellationToken cancellation)
    {
        var state = await _store.GetInstanceAsync(instanceId, includePayloads: false, cancellation).ConfigureAwait(false)
            ?? throw NotFound(instanceId, nameof(instanceId));
        if (state.Status.IsTerminal())
        {
            throw new InvalidOperationException(
                $"Orchestration instance '{instanceId}' is {state.Status} and cannot be {verb}; only Pending, Running or " +
                "Suspended instances can. Use RestartAsync to run it again.");
        }

        try
        {
            await _store.SendMessageAsync(new InstanceMessage { InstanceId = instanceId, Event = message }, cancellation)
                .ConfigureAwait(false);
        }
        catch (InstanceNotFoundException e)
        {
            throw NotFound(instanceId, nameof(instanceId), e);
        }
    }
}
