namespace Perdure.Benchmarks;

/// <summary>Which file system and device a path lives on (Linux: from /proc/self/mountinfo), so figures name their disk.</summary>
internal sealed record DiskInfo(string FileSystem, string Device, string MountPoint)
{
    /// <summary>File systems that live in memory: a "durable" commit on them never reaches a disk.</summary>
    private static readonly string[] s_memoryFileSystems = ["tmpfs", "ramfs", "overlay-tmpfs"];

    public bool IsMemory => s_memoryFileSystems.Contains(FileSystem, StringComparer.Ordinal);

    public override string ToString() => $"{FileSystem} on {Device} (mounted at {MountPoint})";

    /// <summary>The mount that holds <paramref name="path"/>: the longest mount point that is a prefix of its full path.</summary>
    public static DiskInfo Of(string path)
    {
        var full = Path.GetFullPath(path);
        try
        {
            if (!File.Exists("/proc/self/mountinfo"))
            {
                return new DiskInfo("unknown", "unknown", "unknown");
            }

            DiskInfo? best = null;
            foreach (var line in File.ReadLines("/proc/self/mountinfo"))
            {
                // id parent major:minor root mount-point options [optional...] - fstype source super-options
                var fields = line.Split(' ');
                var dash = Array.IndexOf(fields, "-");
                if (fields.Length < 5 || dash < 0 || dash + 2 >= fields.Length)
                {
                    continue;
                }

                var mountPoint = Unescape(fields[4]);
                if (!Contains(mountPoint, full))
                {
                    continue;
                }

                // Later lines mount over earlier ones at the same point, so ">=" keeps the last.
                if (best is null || mountPoint.Length >= best.MountPoint.Length)
                {
                    best = new DiskInfo(Unescape(fields[dash + 1]), Unescape(fields[dash + 2]), mountPoint);
                }
            }

            return best ?? new DiskInfo("unknown", "unknown", "unknown");
        }
        catch (IOException)
        {
            return new DiskInfo("unknown", "unknown", "unknown");
        }
    }

    private static bool Contains(string mountPoint, string path) =>
        mountPoint == "/" ||
        path == mountPoint ||
        path.StartsWith(mountPoint.EndsWith('/') ? mountPoint : mountPoint + "/", StringComparison.Ordinal);

    // mountinfo escapes space, tab, newline and backslash as \ooo (octal).
    private static string Unescape(string field) =>
        field.Replace("\\040", " ", StringComparison.Ordinal)
            .Replace("\\011", "\t", StringComparison.Ordinal)
            .Replace("\\012", "\n", StringComparison.Ordinal)
            .Replace("\\134", "\\", StringComparison.Ordinal);
}
