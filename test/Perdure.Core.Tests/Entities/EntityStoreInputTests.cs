using Perdure.Core.Entities;

namespace Perdure.Core.Tests.Entities;

/// <summary>The checks every store applies to entity input before writing anything.</summary>
public sealed class EntityStoreInputTests
{
    private static readonly EntityCaller Caller = new("order-42", "exec-1", 7);

    [Fact]
    public void ParseExact_StoredForm_Parses()
    {
        Assert.Equal(new EntityId("counter", "X"), EntityId.ParseExact("@counter@X"));
    }

    [Fact]
    public void ParseExact_UpperCaseName_ThrowsNamingTheStoredForm()
    {
        var error = Assert.Throws<ArgumentException>(() => EntityId.ParseExact("@Counter@X"));

        Assert.Contains("'@counter@X'", error.Message, StringComparison.Ordinal);
        Assert.Equal("entityId", error.ParamName);
    }

    [Theory]
    [InlineData(1, "@account@a", "is addressed to '@account@a'")]
    [InlineData(0, "@account@b", "is addressed to '@account@b'")]
    [InlineData(5, "@account@a", "at position 5")]
    public void Validate_LockRequestNotAtItsPosition_ThrowsNamingTheAddress(int position, string entityId, string expected)
    {
        var message = new EntityInboxMessage
        {
            EntityId = entityId,
            Message = new EntityLockRequestMessage { Caller = Caller, LockSet = ["@account@a", "@account@b"], Position = position },
        };

        var error = Assert.Throws<ArgumentException>(message.Validate);

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnsortedLockSet_ThrowsNamingTheOrder()
    {
        var message = new EntityInboxMessage
        {
            EntityId = "@account@b",
            Message = new EntityLockRequestMessage { Caller = Caller, LockSet = ["@account@b", "@account@a"], Position = 0 },
        };

        var error = Assert.Throws<ArgumentException>(message.Validate);

        Assert.Contains("not sorted ordinally without duplicates", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_WellFormedMessages_Pass()
    {
        EntityMessage[] messages =
        [
            new EntitySignalMessage { Operation = "add", Input = "1" },
            new EntityCallMessage { Operation = "get", Caller = Caller },
            new EntityLockRequestMessage { Caller = Caller, LockSet = ["@account@a", "@account@b"], Position = 1 },
            new EntityLockReleaseMessage { Caller = Caller },
        ];

        foreach (var message in messages)
        {
            new EntityInboxMessage { EntityId = "@account@b", Message = message }.Validate();
        }
    }

    [Fact]
    public void CheckpointValidate_ConsumesAnUndeliveredMessage_ThrowsNamingIt()
    {
        var workItem = new EntityWorkItem(
            new StoredEntity { EntityId = "@counter@x", HasState = false, LastModifiedAt = DateTimeOffset.UnixEpoch },
            [new EntityInboxMessage { EntityId = "@counter@x", Message = new EntitySignalMessage { Operation = "add" }, MessageId = 3 }],
            new Lease("worker-1", DateTimeOffset.UnixEpoch));
        var checkpoint = new EntityCheckpoint { State = "1", ConsumedMessageIds = [3, 4] };

        var error = Assert.Throws<ArgumentException>(() => checkpoint.Validate(workItem));

        Assert.Contains("consumes message 4", error.Message, StringComparison.Ordinal);
        (checkpoint with { ConsumedMessageIds = [3] }).Validate(workItem);
    }

    [Fact]
    public void DecodeEntityId_TokenOfAnEntityPage_ReturnsTheIdAndRefusesOrchestrationTokens()
    {
        Assert.Equal("@counter@x", ContinuationToken.DecodeEntityId(ContinuationToken.Encode("@counter@x")));
        Assert.Null(ContinuationToken.DecodeEntityId(null));
        Assert.Throws<ArgumentException>(() => ContinuationToken.DecodeEntityId(ContinuationToken.Encode("order-1")));
    }
}
