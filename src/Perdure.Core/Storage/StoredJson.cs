using System.Text.Encodings.Web;
using System.Text.Json;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Core.Storage;

/// <summary>
/// The JSON forms in which stores keep Perdure's records as text: one <see cref="HistoryEvent"/> or
/// <see cref="EntityMessage"/> per row (polymorphic, with its <c>$type</c> discriminator), failure details and tags.
/// Payload strings inside events are kept as they are. Every store that writes text uses these, so the forms agree.
/// </summary>
public static class StoredJson
{
    // Relaxed escaping keeps payloads (themselves JSON) readable in the database; the text never goes into HTML.
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A history event as stored.</summary>
    public static string Serialize(HistoryEvent historyEvent) => JsonSerializer.Serialize(historyEvent, Options);

    /// <summary>A stored history event.</summary>
    /// <exception cref="InvalidDataException">The text is the JSON null.</exception>
    public static HistoryEvent DeserializeEvent(string json) =>
        JsonSerializer.Deserialize<HistoryEvent>(json, Options)
        ?? throw new InvalidDataException("A stored history event is the JSON null.");

    /// <summary>An entity message as stored.</summary>
    public static string Serialize(EntityMessage message) => JsonSerializer.Serialize(message, Options);

    /// <summary>A stored entity message.</summary>
    /// <exception cref="InvalidDataException">The text is the JSON null.</exception>
    public static EntityMessage DeserializeEntityMessage(string json) =>
        JsonSerializer.Deserialize<EntityMessage>(json, Options)
        ?? throw new InvalidDataException("A stored entity message is the JSON null.");

    /// <summary>Failure details as stored; null for none.</summary>
    public static string? Serialize(FailureDetails? failure) => failure is null ? null : JsonSerializer.Serialize(failure, Options);

    /// <summary>Stored failure details; null for none.</summary>
    public static FailureDetails? DeserializeFailure(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<FailureDetails>(json, Options);

    /// <summary>Tags as stored; null for none.</summary>
    public static string? Serialize(IReadOnlyDictionary<string, string>? tags) => tags is null ? null : JsonSerializer.Serialize(tags, Options);

    /// <summary>Stored tags; null for none.</summary>
    public static IReadOnlyDictionary<string, string>? DeserializeTags(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(json, Options);

    /// <summary>A JSON array of values, for statements that take a list as one parameter (SQLite's <c>json_each</c>).</summary>
    public static string Array<T>(IEnumerable<T> values) => JsonSerializer.Serialize(values, Options);
}
