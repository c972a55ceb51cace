namespace Perdure.Core.Tests;

public sealed class TaskHubNameTests
{
    [Theory]
    [InlineData("default")]
    [InlineData("a")]
    [InlineData("My_Hub-2")]
    [InlineData("0123456789012345678901234567890123456789012345678901234567890123")]
    public void Validate_ValidName_DoesNotThrow(string name)
    {
        var ex = Record.Exception(() => TaskHubName.Validate(name));

        Assert.Null(ex);
    }

    [Fact]
    public void Validate_DefaultName_IsValid()
    {
        Assert.Null(Record.Exception(() => TaskHubName.Validate(TaskHubName.Default)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Validate_EmptyOrWhiteSpace_ThrowsArgumentException(string name)
    {
        Assert.Throws<ArgumentException>(() => TaskHubName.Validate(name));
    }

    [Fact]
    public void Validate_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => TaskHubName.Validate(null!));
    }

    [Theory]
    [InlineData("my hub")]
    [InlineData("my.hub")]
    [InlineData("hub/1")]
    [InlineData("hüb")]
    [InlineData("hub;drop")]
    [InlineData("01234567890123456789012345678901234567890123456789012345678901234")]
    public void Validate_InvalidName_ThrowsArgumentExceptionNamingTheRule(string name)
    {
        var ex = Assert.Throws<ArgumentException>(() => TaskHubName.Validate(name));

        Assert.Equal("taskHub", ex.ParamName);
        Assert.Contains(name, ex.Message, StringComparison.Ordinal);
        Assert.Contains(TaskHubName.MaxLength.ToString(System.Globalization.CultureInfo.InvariantCulture), ex.Message, StringComparison.Ordinal);
    }
}
