using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;
using Perdure.Core.Entities;

namespace Perdure.Engine.Entities;

/// <summary>
/// Perdure's <see cref="TaskEntityContext"/>: collects the signals and orchestration starts the operations of a batch ask
/// for, with a checkpoint before every operation so that a failing operation's actions can be dropped.
/// </summary>
internal sealed class PerdureEntityContext : TaskEntityContext
{
    /// <summary>The longest orchestration instance id accepted, as the client enforces.</summary>
    private const int MaxInstanceIdLength = 256;

    private readonly DataConverter _converter;
    private readonly List<EntityAction> _actions = [];
    private int _checkpoint;

    public PerdureEntityContext(EntityId entityId, DataConverter converter)
    {
        Id = SdkEntityIds.ToSdk(entityId);
        _converter = converter;
    }

    /// <inheritdoc/>
    public override EntityInstanceId Id { get; }

    /// <summary>The actions of the operations so far, the running one's included.</summary>
    public IReadOnlyList<EntityAction> Actions => _actions;

    /// <inheritdoc/>
    /// <remarks>The signal is sent when the batch commits, and only if this operation succeeds.</remarks>
    /// <exception cref="ArgumentException">The entity id is malformed, or the operation name is empty.</exception>
    public override void SignalEntity(EntityInstanceId id, string operationName, object? input = null, SignalEntityOptions? options = null)
    {
        var target = SdkEntityIds.ToCore(id, nameof(id));
        ArgumentException.ThrowIfNullOrEmpty(operationName);
        var serialized = input is null ? null : _converter.Serialize(input);
        _actions.Add(new SignalEntityAction(target, operationName, serialized, options?.SignalTime?.ToUniversalTime()));
    }

    /// <inheritdoc/>
    /// <remarks>
    /// The orchestration is created when the batch commits, and only if this operation succeeds. The id is
    /// <see cref="StartOrchestrationOptions.InstanceId"/> or a new GUID ("N" format). The new instance has no parent. If an
    /// instance with that id is Pending, Running or Suspended then, it is left alone and nothing is started;
    /// <see cref="StartOrchestrationOptions.DedupeStatuses"/> is not applied.
    /// </remarks>
    /// <exception cref="ArgumentException">The name is empty, or the instance id is not one the client would accept.</exception>
    public override string ScheduleNewOrchestration(TaskName name, object? input = null, StartOrchestrationOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name.Name, nameof(name));
        var instanceId = options?.InstanceId ?? Guid.NewGuid().ToString("N");
        ValidateInstanceId(instanceId, nameof(options));
        var serialized = input is null ? null : _converter.Serialize(input);
        var tags = options?.Tags is { Count: > 0 } t ? new Dictionary<string, string>(t) : null;
        _actions.Add(new StartOrchestrationAction(
            instanceId, name.Name, options?.Version?.Version, serialized, options?.StartAt?.ToUniversalTime(), tags));
        return instanceId;
    }

    /// <summary>Keeps the running operation's actions.</summary>
    public void Commit() => _checkpoint = _actions.Count;

    /// <summary>Drops the running operation's actions.</summary>
    public void Rollback() => _actions.RemoveRange(_checkpoint, _actions.Count - _checkpoint);

    private static void ValidateInstanceId(string instanceId, string paramName)
    {
        var problem = instanceId switch
        {
            { Length: 0 } => "is empty",
            { Length: > MaxInstanceIdLength } => $"is {instanceId.Length} characters long; use at most {MaxInstanceIdLength}",
            _ when instanceId[0] == '@' => "starts with '@', which is reserved for entity ids",
            _ when instanceId.Any(char.IsControl) => "contains a control character",
            _ => null,
        };
        if (problem is not null)
        {
            throw new ArgumentException(
                $"The instance id '{instanceId}' for the new orchestration {problem}. Pass a valid StartOrchestrationOptions.InstanceId, " +
                "or leave it null for a generated one.",
                paramName);
        }
    }
}
