using Perdure.Core.Entities;

namespace Perdure.Core.Tests.Entities;

public sealed class EntityIdTests
{
    [Fact]
    public void Constructor_MixedCaseName_LowerCasesTheNameAndKeepsTheKey()
    {
        var id = new EntityId("Counter", "Daily-Visits");

        Assert.Equal("counter", id.Name);
        Assert.Equal("Daily-Visits", id.Key);
        Assert.Equal("@counter@Daily-Visits", id.ToString());
    }

    [Fact]
    public void Equality_SameNameInOtherCase_IsTheSameEntity()
    {
        Assert.Equal(new EntityId("COUNTER", "k"), new EntityId("counter", "k"));
        Assert.Equal(new EntityId("COUNTER", "k").GetHashCode(), new EntityId("counter", "k").GetHashCode());
        Assert.NotEqual(new EntityId("counter", "K"), new EntityId("counter", "k"));
    }

    [Theory]
    [InlineData("@counter@x", "counter", "x")]
    [InlineData("@Counter@x", "counter", "x")]
    [InlineData("@mail@a@b.org", "mail", "a@b.org")]
    [InlineData("@counter@", "counter", "")]
    [InlineData("@c@ spaced key ", "c", " spaced key ")]
    public void Parse_ValidId_SplitsAtTheSecondAt(string text, string name, string key)
    {
        var id = EntityId.Parse(text);

        Assert.Equal(name, id.Name);
        Assert.Equal(key, id.Key);
        Assert.Equal(id, EntityId.Parse(id.ToString()));
    }

    [Theory]
    [InlineData("", "is empty")]
    [InlineData("counter@x", "start with '@'")]
    [InlineData("@counter", "no '@' between name and key")]
    [InlineData("@@x", "the name between the first two '@' is empty")]
    [InlineData("@ @x", "empty or blank")]
    [InlineData("@coun\tter@x", "control character")]
    [InlineData("@counter@x\ny", "control character")]
    public void Parse_MalformedId_ThrowsArgumentExceptionNamingTheProblem(string text, string expected)
    {
        var error = Assert.Throws<ArgumentException>(() => EntityId.Parse(text));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Equal("entityId", error.ParamName);
        Assert.False(EntityId.TryParse(text, out var parsed));
        Assert.Null(parsed);
    }

    [Fact]
    public void Parse_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => EntityId.Parse(null!));
        Assert.False(EntityId.TryParse(null, out _));
    }

    [Fact]
    public void Parse_ControlCharacter_ShowsItEscaped()
    {
        var error = Assert.Throws<ArgumentException>(() => EntityId.Parse("@counter@a\nb"));

        Assert.Contains("a\\u000ab", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Constructor_NameWithAt_SaysAtSeparatesNameAndKey()
    {
        var error = Assert.Throws<ArgumentException>(() => new EntityId("coun@ter", "x"));

        Assert.Contains("contains '@', which separates name and key", error.Message, StringComparison.Ordinal);
        Assert.Equal("name", error.ParamName);
    }

    [Fact]
    public void Constructor_NullParts_ThrowArgumentNullException()
    {
        Assert.Equal("name", Assert.Throws<ArgumentNullException>(() => new EntityId(null!, "x")).ParamName);
        Assert.Equal("key", Assert.Throws<ArgumentNullException>(() => new EntityId("counter", null!)).ParamName);
    }

    [Fact]
    public void Constructor_IdAtTheLengthLimit_IsAcceptedAndOneMoreIsRefused()
    {
        var longest = new EntityId("counter", new string('k', EntityId.MaxLength - "@counter@".Length));
        Assert.Equal(EntityId.MaxLength, longest.ToString().Length);

        var error = Assert.Throws<ArgumentException>(() => new EntityId("counter", new string('k', EntityId.MaxLength - "@counter@".Length + 1)));
        Assert.Contains($"{EntityId.MaxLength + 1} characters long; use at most {EntityId.MaxLength}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CompareTo_OrdersOrdinallyOnTheTextForm()
    {
        var ids = new[] { EntityId.Parse("@b@1"), EntityId.Parse("@a@2"), EntityId.Parse("@a@10"), EntityId.Parse("@A@1") };

        var sorted = ids.Order().Select(i => i.ToString()).ToArray();

        Assert.Equal(["@a@1", "@a@10", "@a@2", "@b@1"], sorted);
        Assert.True(EntityId.Parse("@a@1") < EntityId.Parse("@b@1"));
        Assert.True(EntityId.Parse("@b@1") >= EntityId.Parse("@B@1"));
        Assert.True(EntityId.Parse("@a@1").CompareTo(null) > 0);
    }

    [Theory]
    [InlineData("@counter@x", true)]
    [InlineData("@", true)]
    [InlineData("order-42", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void IsEntityId_LooksOnlyAtTheLeadingAt(string? text, bool expected)
    {
        Assert.Equal(expected, EntityId.IsEntityId(text));
    }
}
