using System.Text.Encodings.Web;
using System.Text.Json;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Storage.Postgres.Data;

/// <summary>
/// The JSON forms of what the store keeps as text: one <see cref="HistoryEvent"/> or <see cref="EntityMessage"/> per row
/// (polymorphic, with its <c>$type</c> discriminator), failure details and tags. Payload strings inside events are kept as they are.
/// </summary>
internal static class StoredJson
{
    // Relaxed escaping keeps payloads (themselves JSON) readable in the database; the text never goes into HTML.
    private static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Serialize(HistoryEvent historyEvent) => JsonSerializer.Serialize(historyEvent, Options);

    public static HistoryEvent DeserializeEvent(string json) =>
        JsonSerializer.Deserialize<HistoryEvent>(json, Options)
        ?? throw new InvalidDataException("A stored history event is the JSON null.");

    public static string Serialize(EntityMessage message) => JsonSerializer.Serialize(message, Options);

    public static EntityMessage DeserializeEntityMessage(string json) =>
        JsonSerializer.Deserialize<EntityMessage>(json, Options)
        ?? throw new InvalidDataException("A stored entity message is the JSON null.");

    public static string? Serialize(FailureDetails? failure) => failure is null ? null : JsonSerializer.Serialize(failure, Options);

    public static FailureDetails? DeserializeFailure(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<FailureDetails>(json, Options);

    public static string? Serialize(IReadOnlyDictionary<string, string>? tags) => tags is null ? null : JsonSerializer.Serialize(tags, Options);

    public static IReadOnlyDictionary<string, string>? DeserializeTags(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(json, Options);
}
