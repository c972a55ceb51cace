using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Entities;
using Perdure.Testing;

namespace Perdure.Integration.Tests;

/// <summary>Durable entities end to end, through the SDK only: client signals and reads, orchestration calls, signals and locks.</summary>
public sealed class EntityTests
{
    private static readonly EntityInstanceId Total = new(nameof(Counter), "total");

    public sealed class Counter : TaskEntity<int>
    {
        public void Add(int amount) => State += amount;

        public int Get() => State;

        public void AddThenFail(int amount)
        {
            State += amount;
            throw new InvalidOperationException($"refused to add {amount}");
        }
    }

    public sealed class Account : TaskEntity<int>
    {
        public void Deposit(int amount) => State += amount;

        public void Withdraw(int amount)
        {
            if (amount > State)
            {
                throw new InvalidOperationException($"balance {State} is below {amount}");
            }

            State -= amount;
        }

        public int Balance() => State;
    }

    /// <summary>An entity whose operation starts an orchestration and signals another entity.</summary>
    public sealed class Spawner : TaskEntity<int>
    {
        public string Spawn(string name)
        {
            State++;
            Context.SignalEntity(new EntityInstanceId(nameof(Counter), name), "add", 10);
            return Context.ScheduleNewOrchestration("Echo", name, new StartOrchestrationOptions($"spawned-{name}"));
        }
    }

    private static void Register(DurableTaskRegistry r) => r
        .AddEntity<Counter>()
        .AddEntity<Spawner>()
        .AddOrchestratorFunc<string, string>("Echo", (_, input) => Task.FromResult($"echo {input}"))
        .AddOrchestratorFunc<string, string>("CallSpawn", (ctx, name) => ctx.Entities.CallEntityAsync<string>(new EntityInstanceId(nameof(Spawner), "s"), "spawn", name))
        .AddEntity<Account>()
        .AddOrchestratorFunc<int, int>("SignalMany", async (ctx, count) =>
        {
            for (var i = 0; i < count; i++)
            {
                await ctx.Entities.SignalEntityAsync(Total, "add", 1);
            }

            return count;
        })
        .AddOrchestratorFunc<int, int>("CallAdd", async (ctx, amount) =>
        {
            await ctx.Entities.CallEntityAsync(Total, "add", amount);
            return await ctx.Entities.CallEntityAsync<int>(Total, "get");
        })
        .AddOrchestratorFunc<string, int>("ReadCounter", (ctx, key) => ctx.Entities.CallEntityAsync<int>(new EntityInstanceId(nameof(Counter), key), "get"))
        .AddOrchestratorFunc<string, bool>("DeleteCounter", async (ctx, key) =>
        {
            await ctx.Entities.CallEntityAsync(new EntityInstanceId(nameof(Counter), key), "delete");
            return true;
        })
        .AddOrchestratorFunc<string, string>("FailingCall", async (ctx, key) =>
        {
            var id = new EntityInstanceId(nameof(Counter), key);
            await ctx.Entities.CallEntityAsync(id, "add", 1);
            try
            {
                await ctx.Entities.CallEntityAsync(id, "addThenFail", 100);
                return "no failure";
            }
            catch (EntityOperationFailedException e)
            {
                return $"{e.FailureDetails.ErrorType}: {e.FailureDetails.ErrorMessage} / {await ctx.Entities.CallEntityAsync<int>(id, "get")}";
            }
        })
        .AddOrchestratorFunc<int, bool>("Transfer", async (ctx, amount) =>
        {
            var (from, to) = amount > 0 ? (Alice, Bob) : (Bob, Alice);
            await using (await ctx.Entities.LockEntitiesAsync(to, from))
            {
                try
                {
                    await ctx.Entities.CallEntityAsync(from, "withdraw", Math.Abs(amount));
                }
                catch (EntityOperationFailedException)
                {
                    return false;
                }

                await ctx.Entities.CallEntityAsync(to, "deposit", Math.Abs(amount));
                return true;
            }
        })
        .AddOrchestratorFunc<int>("AliceBalance", ctx => ctx.Entities.CallEntityAsync<int>(Alice, "balance"))
        .AddOrchestratorFunc<int>("Audit", async ctx =>
        {
            await using (await ctx.Entities.LockEntitiesAsync(Alice, Bob))
            {
                return await ctx.Entities.CallEntityAsync<int>(Alice, "balance") + await ctx.Entities.CallEntityAsync<int>(Bob, "balance");
            }
        });

    private static readonly EntityInstanceId Alice = new(nameof(Account), "alice");
    private static readonly EntityInstanceId Bob = new(nameof(Account), "bob");

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Concurrent_signals_from_clients_and_orchestrations_give_an_exact_total(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Register);

        var orchestrations = Enumerable.Range(0, 10).Select(_ => host.RunAsync("SignalMany", 10));
        var clientSignals = Enumerable.Range(0, 50).Select(_ => host.Client.Entities.SignalEntityAsync(Total, "add", 1));
        var calls = Enumerable.Range(0, 5).Select(_ => host.RunAsync("CallAdd", 2));
        await Task.WhenAll(clientSignals);
        var finished = await Task.WhenAll(orchestrations.Concat(calls));
        Assert.All(finished, m => Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus));

        // Every signal above was committed before this call, so the entity serves them first.
        var read = await host.RunAsync("ReadCounter", "total");

        Assert.Equal(100 + 50 + 10, read.ReadOutputAs<int>());
        Assert.Equal(160, (await host.Client.Entities.GetEntityAsync<int>(Total))!.State);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task A_failing_operation_rolls_back_only_itself_and_reaches_the_caller(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Register);

        var result = await host.RunAsync("FailingCall", "f");

        Assert.Equal(OrchestrationRuntimeStatus.Completed, result.RuntimeStatus);
        Assert.Equal("System.InvalidOperationException: refused to add 100 / 1", result.ReadOutputAs<string>());
        Assert.Equal(1, (await host.Client.Entities.GetEntityAsync<int>(new EntityInstanceId(nameof(Counter), "f")))!.State);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Locked_transfers_never_show_a_concurrent_auditor_a_wrong_total(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Register);
        await host.Client.Entities.SignalEntityAsync(Alice, "deposit", 100);
        await host.Client.Entities.SignalEntityAsync(Bob, "deposit", 100);

        var transfers = Enumerable.Range(1, 20).Select(i => host.RunAsync("Transfer", i % 2 == 0 ? 15 : -10));
        var audits = Enumerable.Range(0, 10).Select(_ => host.RunAsync("Audit"));
        var all = await Task.WhenAll(transfers.Concat(audits));

        Assert.All(all, m => Assert.Equal(OrchestrationRuntimeStatus.Completed, m.RuntimeStatus));
        Assert.All(all.Skip(20), audit => Assert.Equal(200, audit.ReadOutputAs<int>()));
        var final = await host.RunAsync("Audit");
        Assert.Equal(200, final.ReadOutputAs<int>());

        // The last audit's release reaches Alice before this call, which is served only once she is unlocked.
        var balance = (await host.RunAsync("AliceBalance")).ReadOutputAs<int>();
        var alice = await host.Client.Entities.GetEntityAsync<int>(Alice);
        Assert.Null(alice!.LockedBy);
        Assert.Equal(balance, alice.State);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Delete_removes_the_entity(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Register);
        var id = new EntityInstanceId(nameof(Counter), "doomed");
        await host.Client.Entities.SignalEntityAsync(id, "add", 3);
        Assert.Equal(3, (await host.RunAsync("ReadCounter", "doomed")).ReadOutputAs<int>());

        Assert.NotNull(await host.Client.Entities.GetEntityAsync(id));

        await host.RunAsync("DeleteCounter", "doomed");

        Assert.Null(await host.Client.Entities.GetEntityAsync(id));
        Assert.Empty(await host.Client.Entities.GetAllEntitiesAsync(new Microsoft.DurableTask.Client.Entities.EntityQuery { InstanceIdStartsWith = "counter@doomed" }).ToListAsync());
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task An_operation_starts_an_orchestration_and_signals_another_entity_when_its_batch_commits(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, Register);

        var spawned = (await host.RunAsync("CallSpawn", "x")).ReadOutputAs<string>();

        Assert.Equal("spawned-x", spawned);
        var echo = await host.WaitAsync("spawned-x");
        Assert.Equal("echo x", echo.ReadOutputAs<string>());
        Assert.Equal(10, (await host.RunAsync("ReadCounter", "x")).ReadOutputAs<int>());
        Assert.Equal(1, (await host.Client.Entities.GetEntityAsync<int>(new EntityInstanceId(nameof(Spawner), "s")))!.State);
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Calling_an_operation_the_entity_lacks_fails_the_call_and_leaves_the_entity_usable(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, r =>
        {
            Register(r);
            r.AddOrchestratorFunc<string>("CallMissing", async ctx =>
            {
                var id = new EntityInstanceId(nameof(Counter), "m");
                await ctx.Entities.CallEntityAsync(id, "add", 2);
                try
                {
                    await ctx.Entities.CallEntityAsync(id, "multiply", 3);
                    return "no failure";
                }
                catch (EntityOperationFailedException e)
                {
                    return $"{e.FailureDetails.ErrorMessage} | {await ctx.Entities.CallEntityAsync<int>(id, "get")}";
                }
            });
        });

        var result = (await host.RunAsync("CallMissing")).ReadOutputAs<string>()!;

        Assert.Contains("has no operation named 'multiply'", result, StringComparison.Ordinal);
        Assert.EndsWith("| 2", result, StringComparison.Ordinal);
    }

    /// <summary>An orchestration that locks Alice and Bob and then ends the way its input says, without unlocking.</summary>
    private static void RegisterLockHolder(DurableTaskRegistry r)
    {
        Register(r);
        r.AddOrchestratorFunc<string, string>("HoldAndEnd", async (ctx, how) =>
        {
            var critical = await ctx.Entities.LockEntitiesAsync(Alice, Bob);
            await ctx.Entities.CallEntityAsync(Alice, "deposit", 1);
            switch (how)
            {
                case "fail":
                    throw new InvalidOperationException("failing inside the critical section");
                case "continue":
                    if (ctx.GetInput<string>() == "continue")
                    {
                        ctx.ContinueAsNew("done");
                    }

                    return "continued";
                case "wait":
                    return await ctx.WaitForExternalEvent<string>("never");
                default:
                    GC.KeepAlive(critical);
                    return "completed";
            }
        });
    }

    [Theory]
    [ClassData(typeof(AllStores))]
    public async Task Locks_still_held_are_released_when_the_orchestration_completes_fails_continues_or_is_terminated(TestStore store)
    {
        await using var host = await PerdureTestHost.StartAsync(store, RegisterLockHolder);

        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.RunAsync("HoldAndEnd", "complete")).RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Failed, (await host.RunAsync("HoldAndEnd", "fail")).RuntimeStatus);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, (await host.RunAsync("HoldAndEnd", "continue")).RuntimeStatus);
        var waiting = await host.Client.ScheduleNewOrchestrationInstanceAsync("HoldAndEnd", "wait");
        await host.Client.WaitForInstanceStartAsync(waiting);
        var audit = await host.Client.ScheduleNewOrchestrationInstanceAsync("Audit");
        await host.Client.TerminateInstanceAsync(waiting, "test");

        // The audit locks both accounts: it can only finish once every holder above released them.
        var audited = await host.WaitAsync(audit);
        Assert.Equal(OrchestrationRuntimeStatus.Completed, audited.RuntimeStatus);
        Assert.InRange(audited.ReadOutputAs<int>(), 3, 5);
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await host.WaitAsync(waiting)).RuntimeStatus);
    }
}
