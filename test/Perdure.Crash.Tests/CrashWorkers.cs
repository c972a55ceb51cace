using System.Diagnostics;
using System.Globalization;

namespace Perdure.Crash.Tests;

/// <summary>Starts and kills Perdure.CrashWorker processes, and reads the execution log they append to.</summary>
internal static class CrashWorkers
{
    /// <summary>
    /// Starts a worker with <paramref name="arguments"/> and returns once it printed "ready". What it writes to stderr (its
    /// warnings and errors) goes to <paramref name="errorLog"/> if given.
    /// </summary>
    public static async Task<Process> StartAsync(IEnumerable<string> arguments, string? errorLog = null)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Perdure.CrashWorker.dll"));
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start)!;
        var gate = new Lock();
        process.ErrorDataReceived += (_, e) =>
        {
            if (errorLog is not null && e.Data is not null)
            {
                lock (gate)
                {
                    File.AppendAllText(errorLog, e.Data + "\n");
                }
            }
        };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
        Assert.Equal("ready", line);
        return process;
    }

    public static void Kill(Process process)
    {
        // Process.Kill sends SIGKILL on Linux: no shutdown code runs.
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        process.Dispose();
    }

    /// <summary>The log's lines as (step or entity id, incarnation).</summary>
    public static IReadOnlyList<(string Id, int Incarnation)> ReadLog(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<(string, int)>();
        while (reader.ReadLine() is { } line)
        {
            var space = line.LastIndexOf(' ');
            lines.Add((line[..space], int.Parse(line[(space + 1)..], CultureInfo.InvariantCulture)));
        }

        return lines;
    }

    public static int CountLines(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var count = 0;
        while (reader.ReadLine() is not null)
        {
            count++;
        }

        return count;
    }

    /// <summary>Completes when the log has at least <paramref name="lines"/> lines, woken by file change notifications.</summary>
    public static Task WaitForLinesAsync(string path, int lines, CancellationToken cancellationToken) =>
        WaitForLinesAsync(Path.GetDirectoryName(path)!, Path.GetFileName(path), lines, cancellationToken);

    /// <summary>
    /// Completes when the logs in <paramref name="directory"/> matching <paramref name="pattern"/> have at least
    /// <paramref name="lines"/> lines together, woken by file change notifications.
    /// </summary>
    public static async Task WaitForLinesAsync(string directory, string pattern, int lines, CancellationToken cancellationToken)
    {
        using var watcher = new FileSystemWatcher(directory, pattern);
        var changed = new SemaphoreSlim(0);
        watcher.Changed += (_, _) => changed.Release();
        watcher.Created += (_, _) => changed.Release();
        watcher.EnableRaisingEvents = true;
        while (Directory.GetFiles(directory, pattern).Sum(CountLines) < lines)
        {
            await changed.WaitAsync(cancellationToken);
        }
    }
}
