using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Tests;

/// <summary>Orchestrator code that leaves the durable world fails the execution with a message that says what to do.</summary>
public sealed class MisuseTests
{
    private static void AssertFailedWithMisuse(RuntimeDriver driver, Perdure.Engine.Replay.StepOutput step)
    {
        var outcome = driver.Runtime.Outcome;
        Assert.NotNull(outcome);
        Assert.Equal(OrchestrationStatus.Failed, outcome.Status);
        Assert.NotNull(outcome.Failure);
        Assert.Equal(typeof(OrchestratorMisuseException).FullName, outcome.Failure.ErrorType);
        Assert.Contains("CreateTimer", outcome.Failure.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(RuntimeDriver.OrchestratorName, outcome.Failure.ErrorMessage, StringComparison.Ordinal);
        Assert.True(driver.Runtime.IsPoisoned);
        Assert.Empty(step.NewActions);
        var completed = Assert.IsType<ExecutionCompletedEvent>(step.NewEvents[^1]);
        Assert.Equal(OrchestrationStatus.Failed, completed.Status);
        Assert.Equal(outcome.Failure, completed.Failure);
    }

    [Fact]
    public void RunStep_OrchestratorAwaitsTaskDelay_FailsWithMisuseNamingCreateTimer()
    {
        // The delay is the misuse under test; the test itself never waits for it.
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (_, _) =>
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20));
            return "too late";
        }));

        var step = driver.Start(null);

        AssertFailedWithMisuse(driver, step);
    }

    [Fact]
    public void RunStep_OrchestratorAwaitsForeignTaskCompletionSource_FailsWithMisuseNamingCreateTimer()
    {
        var never = new TaskCompletionSource<string>();
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>((_, _) => never.Task));

        var step = driver.Start(null);

        AssertFailedWithMisuse(driver, step);
        Assert.Contains("not for anything durable", driver.Runtime.Outcome?.Failure?.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void RunStep_ForeignTaskCompletedBetweenSteps_FailsTheNextStepWithMisuse()
    {
        var foreign = new TaskCompletionSource();
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(async (ctx, _) =>
        {
            var durable = ctx.CallActivityAsync<string>("A");
            await foreign.Task;
            return await durable;
        }));
        var first = driver.Start(null);
        Assert.Null(driver.Runtime.Outcome);
        Assert.Single(first.NewActions);

        // Completed on the test thread outside any step: the continuation arrives from outside the orchestration.
        foreign.SetResult();
        var step = driver.Step(RuntimeDriver.T0.AddSeconds(1), RuntimeDriver.Completed(0, "a"));

        AssertFailedWithMisuse(driver, step);
        Assert.Contains("did not come from TaskOrchestrationContext", driver.Runtime.Outcome?.Failure?.ErrorMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void RunStep_ContextCalledFromAnotherThread_FailsWithInvalidOperationException()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>((ctx, _) =>
        {
            // Blocking keeps the test deterministic: the failure comes back to the step thread, not as a foreign continuation.
            Task.Run(() => ctx.CallActivityAsync<string>("A")).GetAwaiter().GetResult();
            return Task.FromResult("unreachable");
        }));

        var step = driver.Start(null);

        var outcome = driver.Runtime.Outcome;
        Assert.NotNull(outcome);
        Assert.Equal(OrchestrationStatus.Failed, outcome.Status);
        Assert.Equal(typeof(InvalidOperationException).FullName, outcome.Failure?.ErrorType);
        Assert.Contains("another thread", outcome.Failure?.ErrorMessage, StringComparison.Ordinal);
        Assert.Contains(RuntimeDriver.InstanceId, outcome.Failure?.ErrorMessage, StringComparison.Ordinal);
        Assert.Empty(step.NewActions);
        Assert.Equal(OrchestrationStatus.Failed, Assert.IsType<ExecutionCompletedEvent>(step.NewEvents[^1]).Status);
    }

    [Fact]
    public void CreateTimer_CalledOutsideAStep_ThrowsInvalidOperationException()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>(
            (ctx, _) => ctx.WaitForExternalEvent<string>("Never")));
        driver.Start(null);

        var ex = Assert.Throws<InvalidOperationException>(
            () => { _ = driver.Runtime.Context.CreateTimer(RuntimeDriver.T0.UtcDateTime, CancellationToken.None); });

        Assert.Contains("another thread", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SetCustomStatus_LargerThanTheLimit_FailsWithArgumentException()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>((ctx, _) =>
        {
            ctx.SetCustomStatus(new string('x', 9000));
            return Task.FromResult("unreachable");
        }));

        driver.Start(null);

        Assert.Equal(OrchestrationStatus.Failed, driver.Runtime.Outcome?.Status);
        Assert.Equal(typeof(ArgumentException).FullName, driver.Runtime.Outcome?.Failure?.ErrorType);
        Assert.Null(driver.Runtime.CustomStatus);
    }
}
