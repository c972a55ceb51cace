using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Perdure.Core;
using Perdure.Core.InMemory;
using Perdure.Core.Storage;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

/// <summary>
/// A step's activity calls are leased to the worker that made the step as it commits, as many as the worker has free
/// activity slots: they run there without a claim, and the rest wait in the queue for any worker.
/// </summary>
public sealed class LeasedActivityTests
{
    private static async Task<(OrchestrationMetadata Result, ClaimCounter Store)> RunAsync(
        string orchestrator, string input, int activitySlots, Action<DurableTaskRegistry> register)
    {
        var store = StoreProxy.Over<ClaimCounter>(new InMemoryStore(PerdureTestHost.NewTaskHubName()));
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddDurableTaskWorker(b =>
        {
            b.AddTasks(register);
            b.UsePerdureStore((_, _) => (IPerdureStore)store, o =>
            {
                o.TaskHub = ((IPerdureStore)store).TaskHub;
                o.Concurrency.MaximumConcurrentActivityWorkItems = activitySlots;
            });
        });
        builder.Services.AddDurableTaskClient(b => b.UsePerdureStore((_, _) => (IPerdureStore)store, o => o.TaskHub = ((IPerdureStore)store).TaskHub));
        using var host = builder.Build();
        await host.StartAsync();
        var client = host.Services.GetRequiredService<DurableTaskClient>();
        var id = await client.ScheduleNewOrchestrationInstanceAsync(orchestrator, input);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var result = await client.WaitForInstanceCompletionAsync(id, getInputsAndOutputs: true, cts.Token);
        await host.StopAsync();
        return (result, store);
    }

    [Fact]
    public async Task A_sequence_of_activities_runs_on_the_worker_without_a_claim_for_any_activity_or_later_step()
    {
        var (result, store) = await RunAsync("Chain", "go", activitySlots: 4, r => r
            .AddActivityFunc<string, string>("Append", (_, s) => s + ".")
            .AddOrchestratorFunc<string, string>("Chain", async (context, input) =>
            {
                for (var i = 0; i < 5; i++)
                {
                    input = await context.CallActivityAsync<string>("Append", input);
                }

                return input;
            }));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("go.....", result.ReadOutputAs<string>());
        Assert.Equal(5, store.ActivitiesLeased + store.ActivitiesClaimed);

        // The first call is leased unless the activity loop held every free slot for a claim at that moment; every later
        // call is handed the slot of the one before. Only the start needs a claim of the instance, and a claimed call's
        // result may need one more (it can finish before the step that made it is back in the cache).
        Assert.InRange(store.ActivitiesLeased, 4, 5);
        Assert.InRange(store.OrchestrationsClaimed, 1, 1 + store.ActivitiesClaimed);
    }

    [Fact]
    public async Task A_long_sequence_gives_its_slot_back_to_the_queue_after_the_hand_over_limit()
    {
        // ActivityDispatcher.MaxActivitiesInARow is 100: the 101st call goes to the queue and is claimed.
        var steps = 120;
        var (result, store) = await RunAsync("Chain", string.Empty, activitySlots: 4, r => r
            .AddActivityFunc<string, string>("Append", (_, s) => s + ".")
            .AddOrchestratorFunc<string, int>("Chain", async (context, input) =>
            {
                for (var i = 0; i < steps; i++)
                {
                    input = await context.CallActivityAsync<string>("Append", input);
                }

                return input.Length;
            }));

        Assert.Equal(steps, result.ReadOutputAs<int>());
        Assert.Equal(steps, store.ActivitiesLeased + store.ActivitiesClaimed);
        Assert.InRange(store.OrchestrationsClaimed, 1, 1 + store.ActivitiesClaimed);

        // Event ids count calls from 0. The 101st call (id 100) is the first after a slot's 100 in a row, so it was claimed
        // from the queue. The first call (id 0) was claimed too only if the activity loop held every free slot for a claim
        // as the first step committed; the slot's run then starts there and still ends after the 100th call.
        Assert.Contains(string.Join(",", store.ClaimedEventIds.Order()), (string[])["100", "0,100"]);
    }

    [Fact]
    public async Task A_fan_out_leases_as_many_calls_as_there_are_free_slots_and_the_rest_are_claimed()
    {
        var (result, store) = await RunAsync("FanOut", "x", activitySlots: 2, r => r
            .AddActivityFunc<int, int>("Square", (_, n) => n * n)
            .AddOrchestratorFunc<string, int>("FanOut", async (context, _) =>
            {
                var squares = await Task.WhenAll(Enumerable.Range(1, 5).Select(n => context.CallActivityAsync<int>("Square", n)));
                return squares.Sum();
            }));

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal(55, result.ReadOutputAs<int>());
        Assert.Equal(5, store.ActivitiesLeased + store.ActivitiesClaimed);

        // Two slots: at most two calls leased (fewer only if the activity loop held the slots for a claim at that moment),
        // never more than the slots, and every other call claimed from the queue.
        Assert.InRange(store.ActivitiesLeased, 0, 2);
        Assert.InRange(store.ActivitiesClaimed, 3, 5);
    }

    /// <summary>Counts the activities and instances claims returned, and the activities steps leased; the rest goes to the inner store.</summary>
    public class ClaimCounter : StoreProxy
    {
        private readonly StrongBox<int> _activitiesClaimed = new();
        private readonly StrongBox<int> _orchestrationsClaimed = new();
        private readonly StrongBox<int> _activitiesLeased = new();
        private readonly ConcurrentQueue<int> _claimedEventIds = new();

        /// <summary>The TaskScheduled event ids of the activities claims returned.</summary>
        public IEnumerable<int> ClaimedEventIds => _claimedEventIds;

        public int ActivitiesClaimed => Volatile.Read(ref _activitiesClaimed.Value);

        public int OrchestrationsClaimed => Volatile.Read(ref _orchestrationsClaimed.Value);

        public int ActivitiesLeased => Volatile.Read(ref _activitiesLeased.Value);

        protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
        {
            ArgumentNullException.ThrowIfNull(targetMethod);
            var result = Forward(targetMethod, args);
            return targetMethod.Name switch
            {
                nameof(IPerdureStore.ClaimActivitiesAsync) => CountAsync((Task<IReadOnlyList<ActivityWorkItem>>)result!, RecordClaimed, _activitiesClaimed),
                nameof(IPerdureStore.ClaimOrchestrationsAsync) => CountAsync((Task<IReadOnlyList<OrchestrationWorkItem>>)result!, r => r.Count, _orchestrationsClaimed),
                nameof(IPerdureStore.CompleteOrchestrationAsync) => CountAsync((Task<IReadOnlyList<ActivityWorkItem>>)result!, r => r.Count, _activitiesLeased),
                nameof(IPerdureStore.CompleteActivityWithStepAsync) => CountAsync((Task<LocalStepResult>)result!, r => r.LeasedActivities.Count, _activitiesLeased),
                _ => result,
            };
        }

        private int RecordClaimed(IReadOnlyList<ActivityWorkItem> claimed)
        {
            foreach (var item in claimed)
            {
                _claimedEventIds.Enqueue(item.Scheduled.EventId);
            }

            return claimed.Count;
        }

        private static async Task<T> CountAsync<T>(Task<T> task, Func<T, int> count, StrongBox<int> counter)
        {
            var result = await task;
            Interlocked.Add(ref counter.Value, count(result));
            return result;
        }
    }
}
