using Perdure.Core.Entities;
using Perdure.Engine.Entities;
using static Perdure.Engine.Tests.Entities.EntityHarness;

namespace Perdure.Engine.Tests.Entities;

/// <summary>Signals and orchestration starts queued by operations, and their rollback.</summary>
public sealed class EntityActionTests
{
    private static readonly DateTimeOffset At = new(2025, 1, 15, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task ExecuteAsync_SignalEntity_QueuesASignalWithSerializedInput()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Notifier>());

        var result = await harness.RunAsync("@notifier@d", null, Op("notify", "a"), Op("notify", "b"));

        Assert.Equal(
            [
                new SignalEntityAction(EntityId.Parse("@counter@a"), "add", "1", null),
                new SignalEntityAction(EntityId.Parse("@counter@b"), "add", "2", null),
            ],
            result.Actions);
    }

    [Fact]
    public async Task ExecuteAsync_SignalWithSignalTime_QueuesAScheduledSignalInUtc()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Notifier>());
        var local = new DateTimeOffset(2025, 1, 15, 11, 0, 0, TimeSpan.FromHours(2));

        var result = await harness.RunAsync("@notifier@d", null, Op("notifyLater", local));

        var signal = Assert.IsType<SignalEntityAction>(Assert.Single(result.Actions));
        Assert.Equal(EntityId.Parse("@counter@later"), signal.Target);
        Assert.Equal("reset", signal.Operation);
        Assert.Null(signal.Input);
        Assert.Equal(At, signal.ScheduledAt);
        Assert.Equal(TimeSpan.Zero, signal.ScheduledAt!.Value.Offset);
    }

    [Fact]
    public async Task ExecuteAsync_ScheduleNewOrchestration_QueuesAStartAndReturnsAGeneratedId()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Notifier>());

        var result = await harness.RunAsync("@notifier@d", null, Op("start", "weekly"));

        var start = Assert.IsType<StartOrchestrationAction>(Assert.Single(result.Actions));
        Assert.Equal(Serialize(start.InstanceId), result.Results.Single().Result);
        Assert.Equal(32, start.InstanceId.Length);
        Assert.Equal("Report", start.Name);
        Assert.Equal(Serialize("weekly"), start.Input);
        Assert.Null(start.Version);
        Assert.Null(start.StartAt);
        Assert.Null(start.Tags);
    }

    [Fact]
    public async Task ExecuteAsync_ScheduleNewOrchestrationWithOptions_KeepsIdVersionStartTimeAndTags()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Notifier>());

        var result = await harness.RunAsync("@notifier@d", null, Op("startAt", At.AddHours(1)));

        var start = Assert.IsType<StartOrchestrationAction>(Assert.Single(result.Actions));
        Assert.Equal(Serialize("report-7"), result.Results.Single().Result);
        Assert.Equal("report-7", start.InstanceId);
        Assert.Equal(Serialize("x"), start.Input);
        Assert.Equal("2", start.Version);
        Assert.Equal(At.AddHours(1), start.StartAt);
        Assert.Equal("ops", start.Tags!["team"]);
    }

    [Fact]
    public async Task ExecuteAsync_FailingOperation_DropsOnlyTheSignalsAndStartsItQueued()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Notifier>());

        var result = await harness.RunAsync("@notifier@d", null, Op("notify", "a"), Op("notifyThenFail", "b"), Op("notify", "c"));

        Assert.Equal("changed my mind", result.Results[1].Failure?.ErrorMessage);
        Assert.Equal(
            [
                new SignalEntityAction(EntityId.Parse("@counter@a"), "add", "1", null),
                new SignalEntityAction(EntityId.Parse("@counter@c"), "add", "2", null),
            ],
            result.Actions);
        Assert.Equal("2", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_SignalToDefaultEntityId_FailsTheOperationWithArgumentException()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Notifier>());

        var result = await harness.RunAsync("@notifier@d", "4", Op("signalDefaultId"), Op("signalBlankName"));

        Assert.Equal("System.ArgumentException", result.Results[0].Failure?.ErrorType);
        Assert.Contains("The entity id is empty (default(EntityInstanceId))", result.Results[0].Failure?.ErrorMessage, StringComparison.Ordinal);
        Assert.Equal("System.ArgumentException", result.Results[1].Failure?.ErrorType);
        Assert.Contains("empty or blank", result.Results[1].Failure?.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(result.Actions);
        Assert.Equal("4", result.State);
    }

    [Fact]
    public async Task ExecuteAsync_StartWithAnEntityLikeInstanceId_FailsTheOperationClearly()
    {
        await using var harness = new EntityHarness(r => r.AddEntity<Notifier>());

        var result = await harness.RunAsync("@notifier@d", null, Op("startEntityLikeId"));

        var failure = result.Results.Single().Failure;
        Assert.Equal("System.ArgumentException", failure?.ErrorType);
        Assert.Contains("'@x@y' for the new orchestration starts with '@', which is reserved for entity ids", failure?.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(result.Actions);
    }
}
