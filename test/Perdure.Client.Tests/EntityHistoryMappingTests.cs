using Perdure.Core.History;
using DtfHistory = DurableTask.Core.History;

namespace Perdure.Client.Tests;

/// <summary>Entity events in an orchestration's history, as GetOrchestrationHistoryAsync returns them.</summary>
public sealed class EntityHistoryMappingTests
{
    private static readonly DateTimeOffset At = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SentEntityEvents_BecomeEventSentToTheEntity()
    {
        HistoryEvent[] sent =
        [
            new EntityOperationCalledEvent { EventId = 1, EntityId = "@counter@a", Operation = "add", Input = "5", Timestamp = At },
            new EntityOperationSignaledEvent { EventId = 2, EntityId = "@counter@b", Operation = "reset", Timestamp = At },
            new EntityLockRequestedEvent { EventId = 3, LockSet = ["@account@alice", "@account@bob"], Timestamp = At },
            new EntityUnlockSentEvent { EventId = 4, LockRequestId = 3, LockSet = ["@account@alice", "@account@bob"], Timestamp = At },
        ];

        var mapped = SdkMapping.ToSdkHistory(sent, "order-1", "e1").Cast<DtfHistory.EventSentEvent>().ToList();

        Assert.Equal([1, 2, 3, 4], mapped.Select(e => e.EventId));
        Assert.Equal(["@counter@a", "@counter@b", "@account@alice", "@account@alice"], mapped.Select(e => e.InstanceId));
        Assert.Equal(["add", "reset", "lock", "release"], mapped.Select(e => e.Name));
        Assert.Equal("5", mapped[0].Input);
        Assert.Equal("[\"@account@alice\",\"@account@bob\"]", mapped[2].Input);
        Assert.All(mapped, e => Assert.Equal(At.UtcDateTime, e.Timestamp));
    }

    [Fact]
    public void ReceivedEntityEvents_BecomeEventRaisedWithTheirPayload()
    {
        HistoryEvent[] received =
        [
            new EntityOperationCompletedEvent { TaskScheduledId = 1, Result = "42", Timestamp = At },
            new EntityOperationFailedEvent { TaskScheduledId = 2, Failure = new FailureDetails("System.InvalidOperationException", "no"), Timestamp = At },
            new EntityLockGrantedEvent { TaskScheduledId = 3, LockSet = ["@account@alice"], Timestamp = At },
        ];

        var mapped = SdkMapping.ToSdkHistory(received, "order-1", "e1").Cast<DtfHistory.EventRaisedEvent>().ToList();

        Assert.Equal(["EntityOperationCompleted", "EntityOperationFailed", "EntityLockGranted"], mapped.Select(e => e.Name));
        Assert.Equal("42", mapped[0].Input);
        Assert.Contains("\"ErrorMessage\":\"no\"", mapped[1].Input, StringComparison.Ordinal);
        Assert.Equal("[\"@account@alice\"]", mapped[2].Input);
    }
}
