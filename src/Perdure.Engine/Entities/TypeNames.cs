namespace Perdure.Engine.Entities;

/// <summary>Type names as C# code spells them (<c>Int32?</c>, <c>List&lt;Order&gt;</c>), for error messages.</summary>
internal static class TypeNames
{
    public static string Describe(Type type)
    {
        if (Nullable.GetUnderlyingType(type) is { } underlying)
        {
            return Describe(underlying) + "?";
        }

        if (type.IsArray)
        {
            return Describe(type.GetElementType()!) + "[]";
        }

        var tick = type.Name.IndexOf('`', StringComparison.Ordinal);
        if (!type.IsGenericType || tick < 0)
        {
            return type.Name;
        }

        return $"{type.Name[..tick]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>";
    }
}
