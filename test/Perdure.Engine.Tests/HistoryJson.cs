using System.Text.Encodings.Web;
using System.Text.Json;
using Perdure.Core.History;

namespace Perdure.Engine.Tests;

/// <summary>System.Text.Json over <see cref="HistoryEvent"/>'s "$type" discriminator: for golden files and comparisons.</summary>
internal static class HistoryJson
{
    // Relaxed escaping keeps payloads readable in the golden files ("\"x\"" rather than "\u0022x\u0022").
    private static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(IEnumerable<HistoryEvent> events) =>
        JsonSerializer.Serialize(events.ToList(), Options).ReplaceLineEndings("\n") + "\n";

    public static List<HistoryEvent> Deserialize(string json) =>
        JsonSerializer.Deserialize<List<HistoryEvent>>(json, Options) ?? throw new JsonException("The history file holds null.");
}
