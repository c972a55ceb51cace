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
