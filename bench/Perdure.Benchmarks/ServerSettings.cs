namespace Perdure.Benchmarks;

/// <summary>Server settings: <paramref name="Values"/> in a fixed order; the data directory when this user may read it.</summary>
internal sealed record ServerSettings(IReadOnlyList<KeyValuePair<string, string>> Values, string? DataDirectory, string PreloadLibraries)
{
    public string this[string name] => Values.FirstOrDefault(v => v.Key == name).Value ?? "unknown";

    /// <summary>Settings that make commits cheaper than durable ones, each with what it means; empty for durable defaults.</summary>
    public IEnumerable<string> NotDurable()
    {
        if (this["fsync"] == "off")
        {
            yield return "fsync=off: commits never wait for the disk, figures are not those of a durable server";
        }

        if (this["synchronous_commit"] == "off")
        {
            yield return "synchronous_commit=off: COMMIT returns before its WAL is flushed";
        }

        if (this["full_page_writes"] == "off")
        {
            yield return "full_page_writes=off: less WAL than a crash-safe server writes";
        }
    }

    public override string ToString() => string.Join(", ", Values.Select(v => $"{v.Key}={v.Value}"));
}
