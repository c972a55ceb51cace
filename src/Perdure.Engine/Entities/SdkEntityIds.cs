using Microsoft.DurableTask.Entities;
using Perdure.Core.Entities;

namespace Perdure.Engine.Entities;

/// <summary>Converts between the SDK's <see cref="EntityInstanceId"/> and Perdure's validated <see cref="EntityId"/>.</summary>
internal static class SdkEntityIds
{
    /// <summary>Validates an id that came from user code.</summary>
    /// <exception cref="ArgumentException">The id is the default value or not one Perdure accepts; the message says why.</exception>
    public static EntityId ToCore(EntityInstanceId id, string paramName) => EntityId.FromUserParts(id.Name, id.Key, paramName);

    public static EntityInstanceId ToSdk(EntityId id) => new(id.Name, id.Key);
}
