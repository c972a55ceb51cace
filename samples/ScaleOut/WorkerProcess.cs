using System.Diagnostics;
using System.Globalization;

namespace ScaleOut;

/// <summary>A worker process the parent started: this executable again, in worker mode.</summary>
public sealed class WorkerProcess : IDisposable
{
    private readonly Process _process;

    private WorkerProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>The worker's name, as the parent gave it.</summary>
    public string Name { get; }

    /// <summary>The worker's process id.</summary>
    public int ProcessId => _process.Id;

    /// <summary>
    /// Starts a worker. The connection string goes through the environment, not the command line, so it does not show
    /// in process lists. The worker's standard error (its logs) is copied to ours, each line marked with its name.
    /// </summary>
    public static WorkerProcess Start(string name, string taskHub, string connectionString)
    {
        var start = new ProcessStartInfo(Environment.ProcessPath!)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // Run as "dotnet ScaleOut.dll", the host is the process and the program is its first argument.
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
        {
            start.ArgumentList.Add(typeof(WorkerProcess).Assembly.Location);
        }

        foreach (var arg in new[] { "--worker", name, "--task-hub", taskHub })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment[ScaleOutOptions.EnvironmentVariable] = connectionString;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {name}.");
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"[{name}] {e.Data}");
            }
        };
        process.BeginErrorReadLine();
        return new WorkerProcess(name, process);
    }

    /// <summary>Waits until the worker says it can take work.</summary>
    /// <exception cref="InvalidOperationException">It exited or wrote something else.</exception>
    public async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken);
        if (line != "ready")
        {
            throw new InvalidOperationException($"{Name} did not start (it wrote '{line ?? "nothing"}'; its log lines are above).");
        }
    }

    /// <summary>
    /// Asks the worker to stop by closing its standard input, and waits for it to stop gracefully and report what it ran.
    /// </summary>
    /// <returns>Activities and orchestrator turns it ran, as it counted them.</returns>
    /// <exception cref="InvalidOperationException">It did not report, or exited with an error.</exception>
    public async Task<(long Activities, long Turns)> StopAsync(CancellationToken cancellationToken)
    {
        _process.StandardInput.Close();
        var line = await _process.StandardOutput.ReadLineAsync(cancellationToken);
        await _process.WaitForExitAsync(cancellationToken);
        var parts = line?.Split(' ') ?? [];
        if (_process.ExitCode != 0 || parts.Length != 3 || parts[0] != "stats")
        {
            throw new InvalidOperationException($"{Name} exited with code {_process.ExitCode} after writing '{line ?? "nothing"}'.");
        }

        return (long.Parse(parts[1], CultureInfo.InvariantCulture), long.Parse(parts[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Kills the worker if it is still running (after a failure; a normal run stops it with <see cref="StopAsync"/>).</summary>
    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit();
            }
        }
        catch (InvalidOperationException)
        {
            // It was never started or is already gone.
        }
        finally
        {
            _process.Dispose();
        }
    }
}
