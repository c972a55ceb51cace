using System.Text.Json;
using Perdure.Core.Entities;
using Perdure.Core.History;

namespace Perdure.Core.Tests.Entities;

/// <summary>Entity history events and entity messages survive the JSON round trip stores use; discriminators and numbers are pinned.</summary>
public sealed class EntityJsonTests
{
    private static readonly DateTimeOffset At = new(2025, 1, 15, 9, 0, 0, TimeSpan.Zero);
    private static readonly EntityCaller Caller = new("order-42", "exec-1", 7);

    public static TheoryData<HistoryEvent, string, int> HistoryEvents => new()
    {
        { new EntityOperationCalledEvent { EventId = 3, EntityId = "@counter@x", Operation = "add", Input = "5", Timestamp = At }, "EntityOperationCalled", 50 },
        { new EntityOperationCompletedEvent { TaskScheduledId = 3, Result = "8", Timestamp = At }, "EntityOperationCompleted", 51 },
        {
            new EntityOperationFailedEvent
            {
                TaskScheduledId = 3, Timestamp = At,
                Failure = new FailureDetails("System.InvalidOperationException", "boom", "at X", new FailureDetails("System.FormatException", "inner")),
            },
            "EntityOperationFailed", 52
        },
        { new EntityOperationSignaledEvent { EventId = 4, EntityId = "@counter@x", Operation = "reset", ScheduledAt = At.AddMinutes(5), Timestamp = At }, "EntityOperationSignaled", 53 },
        { new EntityLockRequestedEvent { EventId = 5, LockSet = ["@account@a", "@account@b"], Timestamp = At }, "EntityLockRequested", 54 },
        { new EntityLockGrantedEvent { TaskScheduledId = 5, LockSet = ["@account@a", "@account@b"], Timestamp = At }, "EntityLockGranted", 55 },
        { new EntityUnlockSentEvent { EventId = 9, LockRequestId = 5, LockSet = ["@account@a", "@account@b"], Timestamp = At }, "EntityUnlockSent", 56 },
    };

    public static TheoryData<EntityMessage, string, EntityMessageKind, string?> Messages => new()
    {
        { new EntitySignalMessage { Operation = "add", Input = "1", Sender = "@other@y", Timestamp = At }, "Signal", EntityMessageKind.Signal, "@other@y" },
        { new EntitySignalMessage { Operation = "add", Timestamp = At }, "Signal", EntityMessageKind.Signal, null },
        { new EntityCallMessage { Operation = "get", Caller = Caller, Timestamp = At }, "Call", EntityMessageKind.Call, "order-42" },
        {
            new EntityLockRequestMessage { Caller = Caller, LockSet = ["@account@a", "@account@b"], Position = 1, Timestamp = At },
            "LockRequest", EntityMessageKind.LockRequest, "order-42"
        },
        { new EntityLockReleaseMessage { Caller = Caller, Timestamp = At }, "LockRelease", EntityMessageKind.LockRelease, "order-42" },
    };

    [Theory]
    [MemberData(nameof(HistoryEvents))]
    public void HistoryEvent_RoundTrip_KeepsTypeAndEveryField(HistoryEvent original, string discriminator, int number)
    {
        var json = JsonSerializer.Serialize(original);
        var read = JsonSerializer.Deserialize<HistoryEvent>(json);

        Assert.NotNull(read);
        Assert.Equal(original.GetType(), read.GetType());
        Assert.Equal(json, JsonSerializer.Serialize(read));
        Assert.StartsWith($"{{\"$type\":\"{discriminator}\"", json, StringComparison.Ordinal);
        Assert.Equal(number, (int)read.EventType);
        Assert.Equal(discriminator, read.EventType.ToString());
    }

    [Fact]
    public void HistoryEvent_FailedEntityOperation_KeepsTheWholeFailureChain()
    {
        var original = new EntityOperationFailedEvent
        {
            TaskScheduledId = 3,
            Failure = new FailureDetails("System.InvalidOperationException", "boom", "at X", new FailureDetails("System.FormatException", "inner"))
            {
                IsNonRetriable = true,
            },
        };

        var read = (EntityOperationFailedEvent)JsonSerializer.Deserialize<HistoryEvent>(JsonSerializer.Serialize<HistoryEvent>(original))!;

        Assert.Equal(original.Failure, read.Failure);
        Assert.True(read.Failure.IsNonRetriable);
    }

    [Fact]
    public void HistoryEvent_LockSet_KeepsItsOrder()
    {
        HistoryEvent original = new EntityLockRequestedEvent { EventId = 1, LockSet = ["@a@1", "@a@10", "@a@2", "@b@1"] };

        var read = (EntityLockRequestedEvent)JsonSerializer.Deserialize<HistoryEvent>(JsonSerializer.Serialize(original))!;

        Assert.Equal(["@a@1", "@a@10", "@a@2", "@b@1"], read.LockSet);
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void EntityMessage_RoundTrip_KeepsTypeSenderAndEveryField(EntityMessage original, string discriminator, EntityMessageKind kind, string? sender)
    {
        var json = JsonSerializer.Serialize(original);
        var read = JsonSerializer.Deserialize<EntityMessage>(json);

        Assert.NotNull(read);
        Assert.Equal(original.GetType(), read.GetType());
        Assert.Equal(json, JsonSerializer.Serialize(read));
        Assert.StartsWith($"{{\"$type\":\"{discriminator}\"", json, StringComparison.Ordinal);
        Assert.Equal(kind, read.Kind);
        Assert.Equal(sender, read.SenderId);
        Assert.DoesNotContain("SenderId", json, StringComparison.Ordinal);
    }

    [Fact]
    public void EntityMessageKind_PersistedNumbers_NeverChange()
    {
        Assert.Equal(0, (int)EntityMessageKind.Signal);
        Assert.Equal(1, (int)EntityMessageKind.Call);
        Assert.Equal(2, (int)EntityMessageKind.LockRequest);
        Assert.Equal(3, (int)EntityMessageKind.LockRelease);
    }

    [Fact]
    public void EntityCallMessage_RoundTrip_KeepsTheCallerToReplyTo()
    {
        var original = new EntityInboxMessage
        {
            EntityId = "@counter@x",
            Message = new EntityCallMessage { Operation = "add", Input = "2", Caller = Caller, Timestamp = At },
            VisibleAt = At,
            MessageId = 12,
        };

        var read = JsonSerializer.Deserialize<EntityInboxMessage>(JsonSerializer.Serialize(original))!;

        var call = Assert.IsType<EntityCallMessage>(read.Message);
        Assert.Equal(Caller, call.Caller);
        Assert.Equal("add", call.Operation);
        Assert.Equal("2", call.Input);
        Assert.Equal(original with { Message = call }, read);
    }

    [Fact]
    public void LockRequest_Forwarded_MovesToTheNextEntityUntilTheLast()
    {
        var request = new EntityLockRequestMessage { Caller = Caller, LockSet = ["@a@1", "@b@1"], Position = 0, Timestamp = At };

        Assert.Equal("@b@1", request.NextEntityId);
        var forwarded = request.Forwarded(At.AddSeconds(1));

        Assert.Equal(1, forwarded.Position);
        Assert.Equal(At.AddSeconds(1), forwarded.Timestamp);
        Assert.Equal(Caller, forwarded.Caller);
        Assert.Null(forwarded.NextEntityId);
        Assert.Throws<InvalidOperationException>(() => forwarded.Forwarded(At));
    }

    [Fact]
    public void OperationResult_SuccessAndFailure_AreExclusive()
    {
        var success = EntityOperationResult.Success("5");
        var failure = EntityOperationResult.Failed(new FailureDetails("System.Exception", "no"));

        Assert.True(success.IsSuccess);
        Assert.Equal("5", success.Result);
        Assert.Null(success.Failure);
        Assert.False(failure.IsSuccess);
        Assert.Null(failure.Result);
        Assert.Equal("no", failure.Failure!.ErrorMessage);
        Assert.Throws<ArgumentNullException>(() => EntityOperationResult.Failed(null!));
    }
}
