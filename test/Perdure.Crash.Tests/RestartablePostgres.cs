using System.Diagnostics;
using Npgsql;
using Perdure.Testing;
using Xunit.Abstractions;

namespace Perdure.Crash.Tests;

/// <summary>
/// A PostgreSQL server a test may take down under its workers: a private throwaway cluster of the test's own, restarted
/// with <c>pg_ctl restart -m immediate</c>, or, where no such cluster can be had, the shared server with every backend of
/// the test's application name terminated instead (said in the test's output).
/// </summary>
/// <remarks>
/// The shared server is never restarted: test assemblies run in parallel on it, and a restart would fail their requests
/// at random. eng/postgres.sh exports <c>PERDURE_TEST_POSTGRES_RESTART</c> when it started a private cluster, so its
/// presence says PostgreSQL's binaries are here: the test then runs eng/postgres.sh once more for a cluster of its own
/// (about two seconds) and restarts that one with the command the inner run exports. A server given by
/// <c>PERDURE_TEST_POSTGRES</c> comes without that variable; the fallback still takes every connection of the workers
/// and the client away mid-run (what a restart does to them), only the server's own state survives untouched.
/// </remarks>
internal sealed class RestartablePostgres : IAsyncDisposable
{
    public const string RestartVariable = "PERDURE_TEST_POSTGRES_RESTART";

    private readonly Process? _cluster;
    private readonly string? _restart;

    private RestartablePostgres(string connectionString, Process? cluster, string? restart)
    {
        ConnectionString = connectionString;
        _cluster = cluster;
        _restart = restart;
    }

    /// <summary>The server, with the application name every connection of the test must use (the fallback finds them by it).</summary>
    public string ConnectionString { get; }

    /// <summary>True when <see cref="RestartAsync"/> restarts a server; false when it terminates the test's backends.</summary>
    public bool RestartsServer => _restart is not null;

    public static async Task<RestartablePostgres> StartAsync(string applicationName, ITestOutputHelper output)
    {
        if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable(RestartVariable)))
        {
            output.WriteLine(
                $"{RestartVariable} is not set: the server PERDURE_TEST_POSTGRES names was given by the caller and is not this " +
                "test's to restart. Terminating every backend of this test's workers and client (pg_terminate_backend) instead.");
            return new RestartablePostgres(WithApplicationName(TestPostgres.ConnectionString, applicationName), null, null);
        }

        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The inner run starts its own cluster, prints what it exported, and stops the cluster when stdin closes (when
        // this test disposes it, or when the test process dies).
        start.Environment.Remove(TestPostgres.EnvironmentVariable);
        start.Environment.Remove(RestartVariable);
        foreach (var argument in new[]
        {
            FindScript(), "bash", "-c", $"printf '%s\\n%s\\n' \"${TestPostgres.EnvironmentVariable}\" \"${RestartVariable}\"; cat >/dev/null",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var cluster = Process.Start(start)!;
        var errors = new System.Text.StringBuilder();
        cluster.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        cluster.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var connectionString = await cluster.StandardOutput.ReadLineAsync(timeout.Token);
        var restart = await cluster.StandardOutput.ReadLineAsync(timeout.Token);
        if (string.IsNullOrEmpty(connectionString) || string.IsNullOrEmpty(restart))
        {
            await cluster.WaitForExitAsync(timeout.Token);
            lock (errors)
            {
                Assert.Fail($"eng/postgres.sh could not start a private PostgreSQL for this test (exit code {cluster.ExitCode}): {errors}");
            }
        }

        output.WriteLine("a private PostgreSQL of this test's own, to be restarted with pg_ctl restart -m immediate");
        return new RestartablePostgres(WithApplicationName(connectionString!, applicationName), cluster, restart);
    }

    /// <summary>Restarts the server (every connection drops); or terminates every backend of the test's application name.</summary>
    /// <returns>How many backends were terminated; 0 for a restart.</returns>
    public async Task<long> RestartAsync(CancellationToken cancellationToken)
    {
        if (_restart is not null)
        {
            var restart = new ProcessStartInfo("bash") { RedirectStandardError = true, UseShellExecute = false };
            restart.ArgumentList.Add("-c");
            restart.ArgumentList.Add(_restart);
            using var process = Process.Start(restart)!;
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            Assert.True(process.ExitCode == 0, $"pg_ctl restart failed (exit code {process.ExitCode}): {await errors}");
            return 0;
        }

        var builder = new NpgsqlConnectionStringBuilder(ConnectionString);
        var applicationName = builder.ApplicationName;
        builder.ApplicationName = applicationName + "_admin";
        builder.Pooling = false;
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync(cancellationToken);
        await using var kill = new NpgsqlCommand(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1", connection);
        kill.Parameters.Add(new NpgsqlParameter<string> { TypedValue = applicationName });
        return (long)(await kill.ExecuteScalarAsync(cancellationToken))!;
    }

    public async ValueTask DisposeAsync()
    {
        if (_cluster is not null)
        {
            _cluster.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _cluster.WaitForExitAsync(timeout.Token);
            _cluster.Dispose();
        }
    }

    private static string WithApplicationName(string connectionString, string applicationName) =>
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = applicationName }.ConnectionString;

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var script = Path.Combine(dir.FullName, "eng", "postgres.sh");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new InvalidOperationException($"eng/postgres.sh was not found above {AppContext.BaseDirectory}.");
    }
}
