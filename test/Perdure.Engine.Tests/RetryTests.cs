using Microsoft.DurableTask;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Engine.Tests;

/// <summary>Retry policies and handlers: attempts, durable back-off timers, giving up.</summary>
public sealed class RetryTests
{
    private static readonly DateTimeOffset T0 = RuntimeDriver.T0;

    private static TaskOrchestrator<string, string> Calling(TaskOptions options) =>
        FuncTaskOrchestrator.Create<string, string>((ctx, _) => ctx.CallActivityAsync<string>("Flaky", "payload", options));

    private static RetryPolicy ThreeAttempts() => new(3, TimeSpan.FromSeconds(10), backoffCoefficient: 2);

    [Fact]
    public void CallActivityAsync_RetryPolicyTwoFailuresThenSuccess_RetriesAfterBackoffTimers()
    {
        var driver = new RuntimeDriver(Calling(TaskOptions.FromRetryPolicy(ThreeAttempts())));
        driver.Start(null);

        var firstFailure = driver.Step(T0.AddSeconds(1), RuntimeDriver.Failed(0, "boom 1"));
        var firstTimer = Assert.IsType<TimerCreatedEvent>(Assert.Single(firstFailure.NewEvents, e => e is TimerCreatedEvent));
        Assert.Equal(1, firstTimer.EventId);
        Assert.Equal(T0.AddSeconds(1 + 10), firstTimer.FireAt);
        Assert.DoesNotContain(firstFailure.NewEvents, e => e is TaskScheduledEvent);

        var secondAttempt = driver.Step(firstTimer.FireAt, RuntimeDriver.Fired(1, firstTimer.FireAt));
        var second = Assert.IsType<TaskScheduledEvent>(secondAttempt.NewEvents[^1]);
        Assert.Equal(2, second.EventId);
        Assert.Equal("Flaky", second.Name);
        Assert.Equal("\"payload\"", second.Input);

        var secondFailure = driver.Step(firstTimer.FireAt.AddSeconds(1), RuntimeDriver.Failed(2, "boom 2"));
        var secondTimer = Assert.IsType<TimerCreatedEvent>(secondFailure.NewEvents[^1]);
        Assert.Equal(3, secondTimer.EventId);
        Assert.Equal(firstTimer.FireAt.AddSeconds(1 + 20), secondTimer.FireAt);

        var thirdAttempt = driver.Step(secondTimer.FireAt, RuntimeDriver.Fired(3, secondTimer.FireAt));
        Assert.Equal(4, Assert.IsType<TaskScheduledEvent>(thirdAttempt.NewEvents[^1]).EventId);

        driver.Step(secondTimer.FireAt.AddSeconds(1), RuntimeDriver.Completed(4, "finally"));
        Assert.Equal(OrchestrationStatus.Completed, driver.Runtime.Outcome?.Status);
        Assert.Equal("\"finally\"", driver.Runtime.Outcome?.Output);

        var replayed = RuntimeDriver.Replayed(Calling(TaskOptions.FromRetryPolicy(ThreeAttempts())), driver.History);
        Assert.Equal(driver.Runtime.Outcome, replayed.Outcome);
    }

    [Fact]
    public void CallActivityAsync_RetryPolicyExhausted_FailsWithTheLastFailure()
    {
        var driver = new RuntimeDriver(Calling(TaskOptions.FromRetryPolicy(ThreeAttempts())));
        driver.Start(null);
        driver.Step(T0.AddSeconds(1), RuntimeDriver.Failed(0, "boom 1"));
        driver.Step(T0.AddSeconds(11), RuntimeDriver.Fired(1, T0.AddSeconds(11)));
        driver.Step(T0.AddSeconds(12), RuntimeDriver.Failed(2, "boom 2"));
        driver.Step(T0.AddSeconds(32), RuntimeDriver.Fired(3, T0.AddSeconds(32)));

        var last = driver.Step(T0.AddSeconds(33), RuntimeDriver.Failed(4, "boom 3"));

        var outcome = driver.Runtime.Outcome;
        Assert.NotNull(outcome);
        Assert.Equal(OrchestrationStatus.Failed, outcome.Status);
        Assert.Equal(typeof(TaskFailedException).FullName, outcome.Failure?.ErrorType);
        Assert.Equal("boom 3", outcome.Failure?.InnerFailure?.ErrorMessage);
        Assert.DoesNotContain(last.NewEvents, e => e is TimerCreatedEvent or TaskScheduledEvent);
    }

    [Fact]
    public void CallActivityAsync_RetryIntervalAboveMax_IsCappedAtMaxRetryInterval()
    {
        var policy = new RetryPolicy(5, TimeSpan.FromMinutes(1), backoffCoefficient: 10, maxRetryInterval: TimeSpan.FromMinutes(5));
        var driver = new RuntimeDriver(Calling(TaskOptions.FromRetryPolicy(policy)));
        driver.Start(null);
        driver.Step(T0, RuntimeDriver.Failed(0, "boom 1"));
        driver.Step(T0.AddMinutes(1), RuntimeDriver.Fired(1, T0.AddMinutes(1)));

        var second = driver.Step(T0.AddMinutes(2), RuntimeDriver.Failed(2, "boom 2"));

        Assert.Equal(T0.AddMinutes(2 + 5), Assert.IsType<TimerCreatedEvent>(second.NewEvents[^1]).FireAt);
    }

    [Fact]
    public void CallActivityAsync_HandleFailureReturnsFalse_StopsRetryingAtOnce()
    {
        TaskFailureDetails? seen = null;
        var policy = new RetryPolicy(3, TimeSpan.FromSeconds(10))
        {
            HandleFailure = failure =>
            {
                seen = failure;
                return false;
            },
        };
        var driver = new RuntimeDriver(Calling(TaskOptions.FromRetryPolicy(policy)));
        driver.Start(null);

        var step = driver.Step(T0.AddSeconds(1), RuntimeDriver.Failed(0, "not retriable"));

        Assert.Equal(OrchestrationStatus.Failed, driver.Runtime.Outcome?.Status);
        Assert.DoesNotContain(step.NewEvents, e => e is TimerCreatedEvent or TaskScheduledEvent);
        Assert.NotNull(seen);
        Assert.Equal("not retriable", seen.ErrorMessage);
        Assert.Equal("System.InvalidOperationException", seen.ErrorType);
    }

    [Fact]
    public void CallActivityAsync_RetryHandler_RetriesWithoutATimerUntilItSaysNo()
    {
        var attempts = new List<int>();
        var options = TaskOptions.FromRetryHandler(retry =>
        {
            attempts.Add(retry.LastAttemptNumber);
            return retry.LastAttemptNumber < 2;
        });
        var driver = new RuntimeDriver(Calling(options));
        driver.Start(null);

        var retried = driver.Step(T0.AddSeconds(1), RuntimeDriver.Failed(0, "boom 1"));
        driver.Step(T0.AddSeconds(2), RuntimeDriver.Failed(1, "boom 2"));

        Assert.Equal(1, Assert.IsType<TaskScheduledEvent>(retried.NewEvents[^1]).EventId);
        Assert.DoesNotContain(retried.NewEvents, e => e is TimerCreatedEvent);
        Assert.Equal([1, 2], attempts);
        Assert.Equal(OrchestrationStatus.Failed, driver.Runtime.Outcome?.Status);
    }

    [Fact]
    public void CallSubOrchestratorAsync_RetryPolicy_RetriesTheSubOrchestration()
    {
        var driver = new RuntimeDriver(FuncTaskOrchestrator.Create<string, string>((ctx, _) =>
            ctx.CallSubOrchestratorAsync<string>("Child", options: new SubOrchestrationOptions(TaskOptions.FromRetryPolicy(ThreeAttempts()), "child-1"))));
        driver.Start(null);

        driver.Step(T0.AddSeconds(1), new SubOrchestrationFailedEvent
        {
            TaskScheduledId = 0, Failure = new FailureDetails("System.Exception", "child failed"), Timestamp = T0,
        });
        var retried = driver.Step(T0.AddSeconds(11), RuntimeDriver.Fired(1, T0.AddSeconds(11)));

        var created = Assert.IsType<SubOrchestrationCreatedEvent>(retried.NewEvents[^1]);
        Assert.Equal(2, created.EventId);
        Assert.Equal("Child", created.Name);
        Assert.Equal("child-1", created.InstanceId);
    }
}
