using Microsoft.DurableTask.Entities;

namespace BankAccounts;

/// <summary>
/// A bank account: its state is the balance. Operations run one at a time, so the entity needs no locks of its own; a
/// withdrawal that would overdraw throws, which rolls back only that operation and reaches the caller.
/// </summary>
public sealed class Account : TaskEntity<decimal>
{
    public void Deposit(decimal amount) => State += amount;

    public void Withdraw(decimal amount)
    {
        if (amount > State)
        {
            throw new InvalidOperationException($"The balance {State} does not cover {amount}.");
        }

        State -= amount;
    }

    public decimal Balance() => State;
}
