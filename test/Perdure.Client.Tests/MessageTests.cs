using Microsoft.DurableTask.Client;
using Perdure.Core;
using Perdure.Core.History;

namespace Perdure.Client.Tests;

public sealed class MessageTests
{
    [Fact]
    public async Task RaiseEvent_RunningInstance_PutsEventRaisedMessageInItsInbox()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);

        await harness.Client.RaiseEventAsync("order-1", "Approved", new { By = "ana" });
        await harness.Client.RaiseEventAsync("order-1", "Nudge", CancellationToken.None);

        var inbox = await harness.PeekInboxAsync("order-1");
        Assert.Collection(
            inbox,
            e =>
            {
                var raised = Assert.IsType<EventRaisedEvent>(e);
                Assert.Equal("Approved", raised.Name);
                Assert.Equal("""{"By":"ana"}""", raised.Input);
                Assert.Equal(harness.Time.GetUtcNow(), raised.Timestamp);
            },
            e =>
            {
                var raised = Assert.IsType<EventRaisedEvent>(e);
                Assert.Equal("Nudge", raised.Name);
                Assert.Null(raised.Input);
            });
    }

    [Fact]
    public async Task RaiseEvent_PendingInstance_KeepsTheEventAfterTheStartMessage()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Pending);

        await harness.Client.RaiseEventAsync("order-1", "Early");

        var inbox = await harness.PeekInboxAsync("order-1");
        Assert.IsType<ExecutionStartedEvent>(inbox[0]);
        Assert.Equal("Early", Assert.IsType<EventRaisedEvent>(inbox[1]).Name);
    }

    [Fact]
    public async Task RaiseEvent_UnknownInstance_IsDiscardedSilently()
    {
        await using var harness = new ClientHarness();

        await harness.Client.RaiseEventAsync("nobody", "Approved", 1);

        Assert.Empty(await harness.SnapshotAsync());
    }

    [Theory]
    [InlineData(OrchestrationStatus.Completed)]
    [InlineData(OrchestrationStatus.Failed)]
    [InlineData(OrchestrationStatus.Terminated)]
    public async Task RaiseEvent_FinishedInstance_IsDiscardedWithoutAMessage(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", status);
        var before = await harness.SnapshotAsync();

        await harness.Client.RaiseEventAsync("order-1", "Approved", 1);

        Assert.Empty(await harness.PeekInboxAsync("order-1"));
        await harness.AssertUnchangedAsync(before);
    }

    [Theory]
    [InlineData(null, "Approved", "instanceId")]
    [InlineData("", "Approved", "instanceId")]
    [InlineData("order-1", null, "eventName")]
    [InlineData("order-1", "", "eventName")]
    public async Task RaiseEvent_NullOrEmptyArgument_ThrowsArgumentNullAndSendsNothing(string? instanceId, string? eventName, string parameter)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);

        var e = await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.RaiseEventAsync(instanceId!, eventName!, 1));

        Assert.Equal(parameter, e.ParamName);
        Assert.Empty(await harness.PeekInboxAsync("order-1"));
    }

    [Fact]
    public async Task RaiseEvent_EntityId_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.RaiseEventAsync("@counter@c1", "Approved"));

        Assert.Contains("entity", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Terminate_RunningInstance_SendsTerminateWithSerializedOutputAndRecursiveFlag()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);

        await harness.Client.TerminateInstanceAsync("order-1", new TerminateInstanceOptions(new { Reason = "fraud" }, Recursive: true));

        var terminated = Assert.IsType<ExecutionTerminatedEvent>(Assert.Single(await harness.PeekInboxAsync("order-1")));
        Assert.Equal("""{"Reason":"fraud"}""", terminated.Output);
        Assert.True(terminated.Recursive);
        Assert.Equal(harness.Time.GetUtcNow(), terminated.Timestamp);
    }

    [Fact]
    public async Task Terminate_ShorterOverloads_SendTerminateMessages()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);

        await harness.Client.TerminateInstanceAsync("order-1", CancellationToken.None);
        await harness.Client.TerminateInstanceAsync("order-1", (object)"stopped");

        var inbox = await harness.PeekInboxAsync("order-1");
        Assert.Equal(2, inbox.Count);
        var first = Assert.IsType<ExecutionTerminatedEvent>(inbox[0]);
        Assert.Null(first.Output);
        Assert.False(first.Recursive);
        Assert.Equal("\"stopped\"", Assert.IsType<ExecutionTerminatedEvent>(inbox[1]).Output);
    }

    [Fact]
    public async Task Terminate_SuspendedInstance_SendsATerminateThatGetsThrough()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Suspended);

        await harness.Client.TerminateInstanceAsync("order-1");

        Assert.IsType<ExecutionTerminatedEvent>(Assert.Single(await harness.PeekInboxAsync("order-1")));
    }

    [Theory]
    [InlineData(OrchestrationStatus.Completed)]
    [InlineData(OrchestrationStatus.Terminated)]
    public async Task Terminate_FinishedInstance_DoesNothing(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", status);
        var before = await harness.SnapshotAsync();

        await harness.Client.TerminateInstanceAsync("order-1", "output");

        Assert.Empty(await harness.PeekInboxAsync("order-1"));
        await harness.AssertUnchangedAsync(before);
    }

    [Fact]
    public async Task Terminate_UnknownInstance_DoesNothing()
    {
        await using var harness = new ClientHarness();

        await harness.Client.TerminateInstanceAsync("nobody");

        Assert.Empty(await harness.SnapshotAsync());
    }

    [Fact]
    public async Task Terminate_NullOrEmptyId_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.TerminateInstanceAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.TerminateInstanceAsync(""));
    }

    [Fact]
    public async Task Suspend_RunningInstance_SendsSuspendMessageWithReason()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Running);

        await harness.Client.SuspendInstanceAsync("order-1", "maintenance");
        await harness.Client.SuspendInstanceAsync("order-1", CancellationToken.None);

        var inbox = await harness.PeekInboxAsync("order-1");
        Assert.Equal("maintenance", Assert.IsType<ExecutionSuspendedEvent>(inbox[0]).Reason);
        Assert.Null(Assert.IsType<ExecutionSuspendedEvent>(inbox[1]).Reason);
    }

    [Fact]
    public async Task Suspend_UnknownInstance_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();

        var e = await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.SuspendInstanceAsync("nobody"));

        Assert.Contains("'nobody'", e.Message, StringComparison.Ordinal);
        Assert.Empty(await harness.SnapshotAsync());
    }

    [Theory]
    [InlineData(OrchestrationStatus.Completed)]
    [InlineData(OrchestrationStatus.Failed)]
    [InlineData(OrchestrationStatus.Terminated)]
    public async Task Suspend_FinishedInstance_ThrowsInvalidOperationAndSendsNothing(OrchestrationStatus status)
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", status);

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Client.SuspendInstanceAsync("order-1", "why"));

        Assert.Contains(status.ToString(), e.Message, StringComparison.Ordinal);
        Assert.Empty(await harness.PeekInboxAsync("order-1"));
    }

    [Fact]
    public async Task Resume_SuspendedInstance_SendsResumeMessageThatMakesItClaimable()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Suspended);

        await harness.Client.ResumeInstanceAsync("order-1", "done");
        await harness.Client.ResumeInstanceAsync("order-1", CancellationToken.None);

        var inbox = await harness.PeekInboxAsync("order-1");
        Assert.Equal("done", Assert.IsType<ExecutionResumedEvent>(inbox[0]).Reason);
        Assert.Null(Assert.IsType<ExecutionResumedEvent>(inbox[1]).Reason);
    }

    [Fact]
    public async Task Resume_UnknownInstance_ThrowsArgumentException()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.ResumeInstanceAsync("nobody", "why"));
    }

    [Fact]
    public async Task Resume_FailedInstance_ThrowsInvalidOperationAndSendsNothing()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Failed);

        await Assert.ThrowsAsync<InvalidOperationException>(() => harness.Client.ResumeInstanceAsync("order-1"));

        Assert.Empty(await harness.PeekInboxAsync("order-1"));
    }

    [Fact]
    public async Task SuspendAndResume_NullEmptyOrEntityId_ThrowArgumentExceptions()
    {
        await using var harness = new ClientHarness();

        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.SuspendInstanceAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.SuspendInstanceAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.SuspendInstanceAsync("@e@k"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => harness.Client.ResumeInstanceAsync(null!));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.ResumeInstanceAsync(""));
        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.ResumeInstanceAsync("@e@k"));
    }

    [Fact]
    public async Task Rewind_FailedInstance_ThrowsNotSupportedPointingToRestart()
    {
        await using var harness = new ClientHarness();
        await harness.CreateAsync("order-1", OrchestrationStatus.Failed);
        var before = await harness.SnapshotAsync();

        var e = await Assert.ThrowsAsync<NotSupportedException>(() => harness.Client.RewindInstanceAsync("order-1", "retry"));

        Assert.Contains("RestartAsync", e.Message, StringComparison.Ordinal);
        await harness.AssertUnchangedAsync(before);
    }
}
