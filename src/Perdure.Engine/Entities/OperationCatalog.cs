using System.Reflection;
using Microsoft.DurableTask.Entities;

namespace Perdure.Engine.Entities;

/// <summary>Lists the operations a <c>TaskEntity&lt;TState&gt;</c> dispatches to, for the message of an unknown operation.</summary>
internal static class OperationCatalog
{
    /// <summary>The <c>TaskEntity&lt;TState&gt;</c> that <paramref name="type"/> derives from, or null for other entities.</summary>
    public static Type? TaskEntityBase(Type type)
    {
        for (var t = type; t is not null; t = t.BaseType)
        {
            if (IsTaskEntity(t))
            {
                return t;
            }
        }

        return null;
    }

    /// <summary>
    /// Whether <c>TaskEntity&lt;TState&gt;</c> would find something to dispatch <paramref name="operation"/> to: a public
    /// method of that name (any case) on the entity, or on its state when it allows state dispatch, or the implicit delete.
    /// False for entities that implement <see cref="ITaskEntity"/> themselves.
    /// </summary>
    public static bool HasOperation(ITaskEntity entity, string operation)
    {
        var taskEntity = TaskEntityBase(entity.GetType());
        if (taskEntity is null)
        {
            return false;
        }

        return string.Equals(operation, "delete", StringComparison.OrdinalIgnoreCase)
            || HasPublicMethod(entity.GetType(), operation)
            || (AllowsStateDispatch(entity, taskEntity) && HasPublicMethod(taskEntity.GetGenericArguments()[0], operation));
    }

    /// <summary>Says which operations the entity has, as <c>TaskEntity&lt;TState&gt;</c> dispatches them.</summary>
    public static string Describe(ITaskEntity entity)
    {
        var type = entity.GetType();
        var taskEntity = TaskEntityBase(type);
        if (taskEntity is null)
        {
            return $"{type.Name} implements ITaskEntity and decides its operations itself.";
        }

        var names = PublicMethods(type);
        var stateClause = string.Empty;
        if (AllowsStateDispatch(entity, taskEntity))
        {
            var stateType = taskEntity.GetGenericArguments()[0];
            names.AddRange(PublicMethods(stateType));
            stateClause = $" and of its state ({TypeNames.Describe(stateType)})";
        }

        names.Add("delete");
        var operations = names.Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase);
        return $"Operations are the public methods of {type.Name}{stateClause}, matched case-insensitively, plus the implicit " +
            $"'delete': {string.Join(", ", operations)}.";
    }

    /// <summary>The methods worth listing: not those of <see cref="object"/>, of <c>TaskEntity&lt;TState&gt;</c> or the compiler's.</summary>
    private static List<string> PublicMethods(Type type) =>
    [
        .. type.GetMethods(BindingFlags.Public | BindingFlags.Instance)
            .Where(m => !m.IsSpecialName
                && !m.Name.StartsWith('<')
                && m.GetBaseDefinition().DeclaringType is { } origin
                && origin != typeof(object)
                && !IsTaskEntity(origin))
            .Select(m => m.Name),
    ];

    /// <summary>What the SDK's dispatch looks at: any public instance method, by name in any case.</summary>
    private static bool HasPublicMethod(Type type, string name) =>
        type.GetMethods(BindingFlags.Public | BindingFlags.Instance).Any(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

    private static bool AllowsStateDispatch(ITaskEntity entity, Type taskEntity)
    {
        try
        {
            return taskEntity.GetProperty("AllowStateDispatch", BindingFlags.NonPublic | BindingFlags.Instance)?.GetValue(entity) is true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Only the error message depends on it; without it the entity's own methods are listed.
            return false;
        }
    }

    private static bool IsTaskEntity(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(TaskEntity<>);
}
