using System.Collections.Concurrent;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

public sealed class RetryTests
{
    private static readonly ConcurrentDictionary<string, int> s_attempts = new();

    private static DurableTaskRegistry FlakyActivity(DurableTaskRegistry r) => r.AddActivityFunc<string, string>("Flaky", (ctx, failTimes) =>
    {
        var attempt = s_attempts.AddOrUpdate(ctx.InstanceId, 1, (_, n) => n + 1);
        return attempt <= int.Parse(failTimes, System.Globalization.CultureInfo.InvariantCulture)
            ? throw new InvalidOperationException($"attempt {attempt} failed")
            : $"succeeded on attempt {attempt}";
    });

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_retry_policy_retries_until_the_activity_succeeds(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => FlakyActivity(r)
            .AddOrchestratorFunc<string, string>("WithRetry", (ctx, failTimes) => ctx.CallActivityAsync<string>(
                "Flaky", failTimes, TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromMilliseconds(20), backoffCoefficient: 2)))));

        var result = await host.RunAsync("WithRetry", "2");

        Assert.Equal("succeeded on attempt 3", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_retry_policy_gives_up_after_max_attempts_and_reports_the_last_failure(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => FlakyActivity(r)
            .AddOrchestratorFunc<string, string>("WithRetry", (ctx, failTimes) => ctx.CallActivityAsync<string>(
                "Flaky", failTimes, TaskOptions.FromRetryPolicy(new RetryPolicy(2, TimeSpan.FromMilliseconds(10))))));

        var result = await host.RunAsync("WithRetry", "5");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal("attempt 2 failed", result.FailureDetails!.InnerFailure!.ErrorMessage);
        Assert.Equal(2, s_attempts[result.InstanceId]);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task HandleFailure_returning_false_stops_retrying_at_once(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => FlakyActivity(r)
            .AddOrchestratorFunc<string, string>("NoRetry", (ctx, failTimes) => ctx.CallActivityAsync<string>(
                "Flaky", failTimes, TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromMilliseconds(10))
                {
                    HandleFailure = f => !f.IsCausedBy<InvalidOperationException>(),
                }))));

        var result = await host.RunAsync("NoRetry", "3");

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Equal(1, s_attempts[result.InstanceId]);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_custom_retry_handler_sees_each_failure_and_decides(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => FlakyActivity(r)
            .AddOrchestratorFunc<string, string>("Custom", async (ctx, failTimes) =>
            {
                var seen = new List<int>();
                var result = await ctx.CallActivityAsync<string>("Flaky", failTimes, TaskOptions.FromRetryHandler(async retry =>
                {
                    seen.Add(retry.LastAttemptNumber);
                    await retry.OrchestrationContext.CreateTimer(TimeSpan.FromMilliseconds(5), CancellationToken.None);
                    return retry.LastAttemptNumber < 4 && retry.LastFailure.ErrorMessage.Contains("failed", StringComparison.Ordinal);
                }));
                return $"{result} after {string.Join(",", seen)}";
            }));

        var result = await host.RunAsync("Custom", "3");

        Assert.Equal("succeeded on attempt 4 after 1,2,3", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Sub_orchestrations_retry_with_a_policy_too(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => FlakyActivity(r)
            .AddOrchestratorFunc<string, string>("Child", (ctx, failTimes) => ctx.CallActivityAsync<string>("Flaky", failTimes))
            .AddOrchestratorFunc<string, string>("Parent", (ctx, failTimes) => ctx.CallSubOrchestratorAsync<string>(
                "Child", failTimes, new SubOrchestrationOptions(TaskOptions.FromRetryPolicy(new RetryPolicy(3, TimeSpan.FromMilliseconds(10))), $"{ctx.InstanceId}-child"))));

        var result = await host.RunAsync("Parent", "1");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("succeeded on attempt 2", result.ReadOutputAs<string>());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_failure_retrying_cannot_fix_is_not_retried(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r => r
            .AddOrchestratorFunc<object?, string>("RetriesMissing", (ctx, _) => ctx.CallActivityAsync<string>(
                "NotRegistered", null, TaskOptions.FromRetryPolicy(new RetryPolicy(5, TimeSpan.FromMinutes(10))))));

        var result = await host.RunAsync("RetriesMissing");
        var history = await host.Client.GetOrchestrationHistoryAsync(result.InstanceId);

        Assert.Equal(OrchestrationRuntimeStatus.Failed, result.RuntimeStatus);
        Assert.Single(history, e => e is DurableTask.Core.History.TaskScheduledEvent);
        Assert.DoesNotContain(history, e => e is DurableTask.Core.History.TimerCreatedEvent);
    }
}
