using System.Text.Json;
using System.Text.Json.Serialization;
using Perdure.Storage.Postgres.Data;

namespace Perdure.Storage.Postgres.Signals;

/// <summary>
/// What a NOTIFY says about its commit, as JSON: <c>{"o":true,"a":false,"e":false,"i":["id",...],"s":"..."}</c>, which
/// kinds of work (orchestration, activity, entity) may have become visible, which instances changed, and which store
/// committed. <c>"i"</c> is null when every instance may have changed (a task hub deletion) or when the ids would not
/// fit: PostgreSQL limits a payload to 8,000 bytes, so long lists say "all". A payload without <c>"e"</c> (from a build
/// before entities) reads as false; one without <c>"s"</c> as another store's. A store ignores its own notifications:
/// it woke its dispatchers and waiters itself when the commit returned.
/// </summary>
internal sealed record NotificationPayload(
    [property: JsonPropertyName("o")] bool OrchestrationWork,
    [property: JsonPropertyName("a")] bool ActivityWork,
    [property: JsonPropertyName("e")] bool EntityWork,
    [property: JsonPropertyName("i")] IReadOnlyList<string>? Instances,
    [property: JsonPropertyName("s")] string? Sender = null)
{
    private const int MaxPayloadBytes = 7000;

    /// <summary>The payload announcing a transaction's changes, or null when it changed nothing anyone waits for.</summary>
    /// <param name="session">What the transaction changed.</param>
    /// <param name="sender">The committing store's id, so that it can ignore its own notification.</param>
    public static string? Of(PgSession session, string sender)
    {
        if (!session.OrchestrationWork && !session.ActivityWork && !session.EntityWork && !session.AllInstances && session.Instances.Count == 0)
        {
            return null;
        }

        var json = JsonSerializer.Serialize(new NotificationPayload(
            session.OrchestrationWork, session.ActivityWork, session.EntityWork, session.AllInstances ? null : [.. session.Instances.Keys], sender));
        return System.Text.Encoding.UTF8.GetByteCount(json) <= MaxPayloadBytes
            ? json
            : JsonSerializer.Serialize(new NotificationPayload(session.OrchestrationWork, session.ActivityWork, session.EntityWork, null, sender));
    }

    /// <summary>Reads a payload; one that cannot be read wakes everything (it is only a hint).</summary>
    public static NotificationPayload Parse(string payload)
    {
        try
        {
            return JsonSerializer.Deserialize<NotificationPayload>(payload) ?? Everything;
        }
        catch (JsonException)
        {
            return Everything;
        }
    }

    private static NotificationPayload Everything { get; } = new(true, true, true, null);
}
