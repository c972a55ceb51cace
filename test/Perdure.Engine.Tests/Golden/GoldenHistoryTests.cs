using System.Runtime.CompilerServices;

namespace Perdure.Engine.Tests.Golden;

/// <summary>
/// Golden histories: <c>Golden/*.json</c> are histories recorded once from the <see cref="GoldenScenario"/>s and checked
/// in. Replaying them against today's engine and orchestrator code must still work: an engine change that breaks them
/// would break every instance already running in users' databases.
/// </summary>
/// <remarks>
/// To regenerate after a deliberate change of what the engine records, run
/// <c>PERDURE_REGENERATE_GOLDEN=1 dotnet test test/Perdure.Engine.Tests --filter FullyQualifiedName~Golden</c>: the
/// recording test then rewrites the files in the source tree (not the output directory). Review the diff before you
/// commit it; a changed golden file means histories written by older versions look different from new ones, so the old
/// file must still replay (keep a copy under a new name if the change is not backward compatible by construction).
/// </remarks>
public sealed class GoldenHistoryTests
{
    private const string RegenerateVariable = "PERDURE_REGENERATE_GOLDEN";

    public static TheoryData<string> Scenarios => [.. GoldenScenario.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void Replay_GoldenHistory_ReachesTheRecordedEndState(string name)
    {
        var scenario = GoldenScenario.Get(name);
        var history = HistoryJson.Deserialize(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Golden", name + ".json")));

        var runtime = RuntimeDriver.Replayed(scenario.Orchestrator(), history);

        Assert.False(runtime.IsPoisoned);
        Assert.Equal(history.Count, runtime.HistoryLength);
        Assert.NotNull(runtime.Outcome);
        Assert.Equal(scenario.Status, runtime.Outcome.Status);
        Assert.Equal(scenario.Output, runtime.Outcome.Output);
    }

    [Theory]
    [MemberData(nameof(Scenarios))]
    public void RunStep_GoldenScenario_RecordsTheCheckedInHistory(string name)
    {
        var recorded = HistoryJson.Serialize(GoldenScenario.Get(name).Record());
        var file = Path.Combine(AppContext.BaseDirectory, "Golden", name + ".json");
        if (Environment.GetEnvironmentVariable(RegenerateVariable) == "1")
        {
            file = Path.Combine(SourceDirectory(), name + ".json");
            File.WriteAllText(file, recorded);
        }

        // Compared after a round trip, so only the events matter, not the file's formatting.
        var checkedIn = HistoryJson.Serialize(HistoryJson.Deserialize(File.ReadAllText(file)));
        if (checkedIn != recorded)
        {
            Assert.Fail(
                $"The engine now records scenario '{name}' differently from Golden/{name}.json. If that is intended, run " +
                $"{RegenerateVariable}=1 dotnet test test/Perdure.Engine.Tests --filter FullyQualifiedName~Golden and " +
                $"review the diff.\nRecorded now:\n{recorded}");
        }
    }

    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
