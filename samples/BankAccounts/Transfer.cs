using Microsoft.DurableTask;
using Microsoft.DurableTask.Entities;

namespace BankAccounts;

/// <summary>A transfer between two accounts.</summary>
public sealed record TransferRequest(string From, string To, decimal Amount);

/// <summary>
/// Moves money between two accounts inside a critical section: while both are locked, nobody else's operation runs on
/// them, so no one can observe the money withdrawn but not yet deposited.
/// </summary>
public sealed class Transfer : TaskOrchestrator<TransferRequest, bool>
{
    public override async Task<bool> RunAsync(TaskOrchestrationContext context, TransferRequest request)
    {
        var from = new EntityInstanceId(nameof(Account), request.From);
        var to = new EntityInstanceId(nameof(Account), request.To);
        await using (await context.Entities.LockEntitiesAsync(from, to))
        {
            try
            {
                await context.Entities.CallEntityAsync(from, "withdraw", request.Amount);
            }
            catch (EntityOperationFailedException)
            {
                return false; // not enough money: nothing moved
            }

            await context.Entities.CallEntityAsync(to, "deposit", request.Amount);
            return true;
        }
    }
}

/// <summary>Reads every account inside one critical section and returns the total.</summary>
public sealed class Audit : TaskOrchestrator<string[], decimal>
{
    public override async Task<decimal> RunAsync(TaskOrchestrationContext context, string[] accounts)
    {
        var ids = accounts.Select(a => new EntityInstanceId(nameof(Account), a)).ToArray();
        await using (await context.Entities.LockEntitiesAsync(ids))
        {
            var balances = await Task.WhenAll(ids.Select(id => context.Entities.CallEntityAsync<decimal>(id, "balance")));
            return balances.Sum();
        }
    }
}
