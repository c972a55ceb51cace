using Perdure.Core.History;

namespace Perdure.Core.Tests;

public sealed class FailureDetailsTests
{
    [Fact]
    public void FromException_NotThrown_RecordsTypeAndMessageWithoutStack()
    {
        var details = FailureDetails.FromException(new InvalidOperationException("boom"));

        Assert.Equal("System.InvalidOperationException", details.ErrorType);
        Assert.Equal("boom", details.ErrorMessage);
        Assert.Null(details.StackTrace);
        Assert.Null(details.InnerFailure);
        Assert.False(details.IsNonRetriable);
    }

    [Fact]
    public void FromException_Thrown_RecordsTheStackTrace()
    {
        Exception caught;
        try
        {
            throw new TimeoutException("slow");
        }
        catch (TimeoutException ex)
        {
            caught = ex;
        }

        var details = FailureDetails.FromException(caught);

        Assert.NotNull(details.StackTrace);
        Assert.Contains(nameof(FromException_Thrown_RecordsTheStackTrace), details.StackTrace, StringComparison.Ordinal);
    }

    [Fact]
    public void FromException_InnerExceptions_RecordsTheWholeChain()
    {
        var exception = new InvalidOperationException("outer", new ArgumentException("middle", new FormatException("inner")));

        var details = FailureDetails.FromException(exception);

        Assert.Equal("outer", details.ErrorMessage);
        Assert.NotNull(details.InnerFailure);
        Assert.Equal("System.ArgumentException", details.InnerFailure.ErrorType);
        Assert.Equal("middle", details.InnerFailure.ErrorMessage);
        Assert.NotNull(details.InnerFailure.InnerFailure);
        Assert.Equal("System.FormatException", details.InnerFailure.InnerFailure.ErrorType);
        Assert.Null(details.InnerFailure.InnerFailure.InnerFailure);
    }

    [Fact]
    public void FromException_NestedType_UsesTheFullName()
    {
        var details = FailureDetails.FromException(new NestedException());

        Assert.Equal(typeof(NestedException).FullName, details.ErrorType);
    }

    [Fact]
    public void FromException_Null_ThrowsArgumentNullException()
    {
        Assert.Throws<ArgumentNullException>(() => FailureDetails.FromException(null!));
    }

    [Fact]
    public void ToString_Details_ShowsTypeAndMessage()
    {
        Assert.Equal("System.Exception: oops", new FailureDetails("System.Exception", "oops").ToString());
    }

    private sealed class NestedException : Exception
    {
    }
}
