using System.Text;

namespace Perdure.Core;

/// <summary>Opaque paging tokens: the last key of the previous page, encoded so callers do not depend on its form.</summary>
public static class ContinuationToken
{
    private const string Prefix = "p1.";

    /// <summary>Encodes the last key of a page.</summary>
    public static string Encode(string lastKey) => Prefix + Convert.ToBase64String(Encoding.UTF8.GetBytes(lastKey));

    /// <summary>Decodes a token made by <see cref="Encode"/>; null stays null.</summary>
    /// <exception cref="ArgumentException">The token was not produced by <see cref="Encode"/>.</exception>
    public static string? Decode(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        if (token.StartsWith(Prefix, StringComparison.Ordinal))
        {
            try
            {
                return Encoding.UTF8.GetString(Convert.FromBase64String(token[Prefix.Length..]));
            }
            catch (FormatException)
            {
            }
        }

        throw new ArgumentException($"Continuation token '{token}' was not produced by this query; pass the token of the previous page or null.", nameof(token));
    }

    /// <summary>
    /// Decodes a token of an entity query or entity cleanup: a token made by <see cref="Encode"/> from an entity id. Tokens of
    /// orchestration queries are refused, since instance ids never start with '@'.
    /// </summary>
    /// <exception cref="ArgumentException">The token was not produced by an entity query or cleanup.</exception>
    public static string? DecodeEntityId(string? token)
    {
        var key = Decode(token);
        if (key is not null && !Entities.EntityId.IsEntityId(key))
        {
            throw new ArgumentException(
                $"Continuation token '{token}' was not produced by an entity query or cleanup; pass the token of the previous page or null.",
                nameof(token));
        }

        return key;
    }
}
