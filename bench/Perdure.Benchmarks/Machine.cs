using System.Runtime.InteropServices;

namespace Perdure.Benchmarks;

/// <summary>A one-line description of the machine, printed with every result so figures can be compared fairly.</summary>
internal static class Machine
{
    public static string Describe()
    {
        var cpu = CpuModel();
        return $"{Environment.ProcessorCount} cores{(cpu is null ? string.Empty : $" ({cpu})")}, " +
               $"{RuntimeInformation.OSDescription}, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.ProcessArchitecture}";
    }

    public static string Configuration =>
#if DEBUG
        "Debug (figures are not representative: run with -c Release)";
#else
        "Release";
#endif

    /// <summary>The 1, 5 and 15 minute load averages (Linux), so a reader can tell a busy machine from a slow engine.</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg")
                ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3))
                : "unknown";
        }
        catch (IOException)
        {
            return "unknown";
        }
    }

    /// <summary>
    /// The machine's CPU time so far (Linux /proc/stat, in clock ticks over all cores): busy and total. Null where unknown.
    /// Two readings give how busy the cores were in between (<see cref="BusyFraction"/>).
    /// </summary>
    public static (long Busy, long Total)? CpuTimes()
    {
        try
        {
            if (!File.Exists("/proc/stat"))
            {
                return null;
            }

            // "cpu  user nice system idle iowait irq softirq steal ...": idle and iowait are idle time, and steal is time the
            // hypervisor gave to other machines, so none of them is work of this one.
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Select(long.Parse).ToArray();
            var total = fields.Take(8).Sum();
            return (total - fields[3] - fields[4] - fields[7], total);
        }
        catch (Exception ex) when (ex is IOException or FormatException or IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Busy CPU seconds, all cores, between two <see cref="CpuTimes"/> readings (/proc/stat counts in 1/100 s).</summary>
    public static double? BusySeconds((long Busy, long Total)? before, (long Busy, long Total)? after) =>
        before is { } b && after is { } a ? (a.Busy - b.Busy) / 100.0 : null;

    /// <summary>The share of all cores' time that was busy between two <see cref="CpuTimes"/> readings.</summary>
    public static double? BusyFraction((long Busy, long Total)? before, (long Busy, long Total)? after) =>
        before is { } b && after is { } a && a.Total > b.Total ? (double)(a.Busy - b.Busy) / (a.Total - b.Total) : null;

    private static string? CpuModel()
    {
        try
        {
            return File.Exists("/proc/cpuinfo")
                ? File.ReadLines("/proc/cpuinfo")
                    .Where(l => l.StartsWith("model name", StringComparison.Ordinal))
                    .Select(l => l[(l.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim())
                    .FirstOrDefault()
                : null;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
