namespace Perdure.Core.Entities;

/// <summary>
/// The id of a durable entity: a name and a key, written <c>@name@key</c>. The name is stored lower-cased, the key as
/// given. Every value of this type is valid; construction and <see cref="Parse"/> throw for anything else.
/// </summary>
/// <remarks>
/// The SDK's <c>EntityInstanceId</c> has the same form and the same lower-casing, but accepts ids Perdure refuses (blank
/// names, control characters, any length). Ids compare ordinally on their string form, which is also the order in which
/// critical sections take their locks.
/// </remarks>
public sealed record EntityId : IComparable<EntityId>
{
    /// <summary>The longest id accepted, <c>@name@key</c> included; the same limit as orchestration instance ids.</summary>
    public const int MaxLength = 256;

    private readonly string _text;

    /// <summary>
    /// Creates an id from the name and key of an id user code gave (the SDK's <c>EntityInstanceId</c>), with errors that
    /// name <paramref name="paramName"/>: null parts mean the id was never created.
    /// </summary>
    /// <exception cref="ArgumentException">The id is empty or not one Perdure accepts; the message says why.</exception>
    public static EntityId FromUserParts(string? name, string? key, string paramName)
    {
        if (name is null || key is null)
        {
            throw new ArgumentException(
                "The entity id is empty (default(EntityInstanceId)); create it with new EntityInstanceId(name, key).", paramName);
        }

        try
        {
            return new EntityId(name, key);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"'@{name}@{key}' is not a valid entity id: {e.Message}", paramName, e);
        }
    }

    /// <summary>Creates an id from an entity name (lower-cased here) and a key.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="name"/> or <paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException">The name is blank or contains '@' or a control character, the key contains a
    /// control character, or the id is longer than <see cref="MaxLength"/>.</exception>
    public EntityId(string name, string key)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(key);
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException(
                $"The entity name '{Printable(name)}' is empty or blank; give the name the entity is registered under (for example 'counter').",
                nameof(name));
        }

        if (name.Contains('@', StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"The entity name '{Printable(name)}' contains '@', which separates name and key in entity ids ('@name@key'); use a name without '@'.",
                nameof(name));
        }

        if (name.Any(char.IsControl))
        {
            throw new ArgumentException(
                $"The entity name '{Printable(name)}' contains a control character; use printable characters only.", nameof(name));
        }

        if (key.Any(char.IsControl))
        {
            throw new ArgumentException(
                $"The key '{Printable(key)}' of entity '{name}' contains a control character; use printable characters only.", nameof(key));
        }

        Name = name.ToLowerInvariant();
        Key = key;
        _text = $"@{Name}@{Key}";
        if (_text.Length > MaxLength)
        {
            throw new ArgumentException(
                $"Entity id '{_text[..32]}...' is {_text.Length} characters long; use at most {MaxLength} ('@name@key' included).");
        }
    }

    /// <summary>The entity name, lower-cased (the name the entity is registered under, compared case-insensitively).</summary>
    public string Name { get; }

    /// <summary>The key, case-sensitive, as given. May be empty and may contain '@'.</summary>
    public string Key { get; }

    /// <summary>Whether <paramref name="instanceId"/> has the form of an entity id (starts with '@'), valid or not.</summary>
    /// <remarks>Orchestration instance ids never start with '@', so this tells entities and orchestrations apart.</remarks>
    public static bool IsEntityId(string? instanceId) => instanceId is { Length: > 0 } && instanceId[0] == '@';

    /// <summary>Parses <c>@name@key</c>: the key is everything after the second '@'.</summary>
    /// <exception cref="ArgumentNullException"><paramref name="entityId"/> is null.</exception>
    /// <exception cref="ArgumentException">The text is not a valid entity id; the message says what is wrong.</exception>
    public static EntityId Parse(string entityId)
    {
        ArgumentNullException.ThrowIfNull(entityId);
        if (entityId.Length == 0)
        {
            throw new ArgumentException("The entity id is empty; entity ids have the form '@name@key'.", nameof(entityId));
        }

        if (entityId[0] != '@')
        {
            throw new ArgumentException(
                $"'{Printable(entityId)}' is not an entity id: entity ids have the form '@name@key' and start with '@'.", nameof(entityId));
        }

        var separator = entityId.IndexOf('@', 1);
        if (separator < 0)
        {
            throw new ArgumentException(
                $"'{Printable(entityId)}' is not an entity id: it has no '@' between name and key (the form is '@name@key').", nameof(entityId));
        }

        if (separator == 1)
        {
            throw new ArgumentException(
                $"'{Printable(entityId)}' is not an entity id: the name between the first two '@' is empty (the form is '@name@key').",
                nameof(entityId));
        }

        try
        {
            return new EntityId(entityId[1..separator], entityId[(separator + 1)..]);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"'{Printable(entityId)}' is not a valid entity id: {e.Message}", nameof(entityId), e);
        }
    }

    /// <summary>
    /// Parses an id in the exact form stores key entities by: valid, and written as <see cref="ToString"/> writes it (the
    /// name lower-case). Stores take entity ids only in this form, so that one entity never has two keys.
    /// </summary>
    /// <exception cref="ArgumentNullException"><paramref name="entityId"/> is null.</exception>
    /// <exception cref="ArgumentException">The text is not a valid entity id, or its name is not lower-case.</exception>
    public static EntityId ParseExact(string entityId)
    {
        var id = Parse(entityId);
        if (!string.Equals(id._text, entityId, StringComparison.Ordinal))
        {
            throw new ArgumentException(
                $"'{Printable(entityId)}' is not an entity id in its stored form: entity names are lower-case, so the id is '{id}'. " +
                "Pass the id through EntityId (EntityId.Parse(text).ToString()) before handing it to a store.",
                nameof(entityId));
        }

        return id;
    }

    /// <summary>Parses <c>@name@key</c>; false (and null) for anything <see cref="Parse"/> refuses.</summary>
    public static bool TryParse(string? entityId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out EntityId? id)
    {
        id = null;
        if (entityId is null || !IsEntityId(entityId))
        {
            return false;
        }

        try
        {
            id = Parse(entityId);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>Ordinal comparison of the <c>@name@key</c> forms; null sorts first.</summary>
    public int CompareTo(EntityId? other) => other is null ? 1 : string.CompareOrdinal(_text, other._text);

    /// <summary>Whether <paramref name="left"/> sorts before <paramref name="right"/>.</summary>
    public static bool operator <(EntityId? left, EntityId? right) => Compare(left, right) < 0;

    /// <summary>Whether <paramref name="left"/> sorts before or equals <paramref name="right"/>.</summary>
    public static bool operator <=(EntityId? left, EntityId? right) => Compare(left, right) <= 0;

    /// <summary>Whether <paramref name="left"/> sorts after <paramref name="right"/>.</summary>
    public static bool operator >(EntityId? left, EntityId? right) => Compare(left, right) > 0;

    /// <summary>Whether <paramref name="left"/> sorts after or equals <paramref name="right"/>.</summary>
    public static bool operator >=(EntityId? left, EntityId? right) => Compare(left, right) >= 0;

    /// <summary>Whether this id equals <paramref name="other"/>: same name and same key (ordinal).</summary>
    public bool Equals(EntityId? other) => other is not null && string.Equals(_text, other._text, StringComparison.Ordinal);

    /// <inheritdoc/>
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(_text);

    /// <summary>The <c>@name@key</c> form.</summary>
    public override string ToString() => _text;

    private static int Compare(EntityId? left, EntityId? right) =>
        left is null ? (right is null ? 0 : -1) : left.CompareTo(right);

    private static string Printable(string value) =>
        string.Concat(value.Select(c => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString()));
}
