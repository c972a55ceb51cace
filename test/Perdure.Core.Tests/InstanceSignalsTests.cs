using Perdure.Core.Storage;

namespace Perdure.Core.Tests;

public sealed class InstanceSignalsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task One_change_with_its_row_hands_the_row_over()
    {
        var signals = new InstanceSignals();
        using var waiter = signals.Subscribe("order-1");

        signals.Signal(new Dictionary<string, InstanceState?> { ["order-1"] = Row(OrchestrationStatus.Completed) });

        Assert.Equal(OrchestrationStatus.Completed, (await waiter.NextAsync(CancellationToken.None).WaitAsync(Timeout))?.Status);
    }

    [Fact]
    public async Task Two_changes_before_the_waiter_looks_make_it_read_even_if_both_carried_rows()
    {
        // Signals may arrive out of commit order (several writer lanes, another process's notification): the second row
        // may be the older one, so the waiter must read rather than trust either.
        var signals = new InstanceSignals();
        using var waiter = signals.Subscribe("order-1");

        signals.Signal(new Dictionary<string, InstanceState?> { ["order-1"] = Row(OrchestrationStatus.Completed) });
        signals.Signal(new Dictionary<string, InstanceState?> { ["order-1"] = Row(OrchestrationStatus.Running) });

        Assert.Null(await waiter.NextAsync(CancellationToken.None).WaitAsync(Timeout));
    }

    [Fact]
    public async Task A_read_again_signal_is_not_replaced_by_a_row_that_arrives_after_it()
    {
        var signals = new InstanceSignals();
        using var waiter = signals.Subscribe("order-1");

        signals.Signal(["order-1"]);
        signals.Signal(new Dictionary<string, InstanceState?> { ["order-1"] = Row(OrchestrationStatus.Running) });

        Assert.Null(await waiter.NextAsync(CancellationToken.None).WaitAsync(Timeout));
    }

    [Fact]
    public async Task After_the_waiter_looked_the_next_change_hands_its_row_over_again()
    {
        var signals = new InstanceSignals();
        using var waiter = signals.Subscribe("order-1");
        signals.Signal(["order-1"]);
        signals.Signal(["order-1"]);
        Assert.Null(await waiter.NextAsync(CancellationToken.None).WaitAsync(Timeout));

        signals.Signal(new Dictionary<string, InstanceState?> { ["order-1"] = Row(OrchestrationStatus.Failed) });

        Assert.Equal(OrchestrationStatus.Failed, (await waiter.NextAsync(CancellationToken.None).WaitAsync(Timeout))?.Status);
    }

    private static InstanceState Row(OrchestrationStatus status) => new()
    {
        InstanceId = "order-1",
        ExecutionId = "exec-1",
        Name = "Checkout",
        Status = status,
        CreatedAt = DateTimeOffset.UnixEpoch,
        LastUpdatedAt = DateTimeOffset.UnixEpoch,
    };
}
