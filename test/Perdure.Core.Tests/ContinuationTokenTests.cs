namespace Perdure.Core.Tests;

public sealed class ContinuationTokenTests
{
    [Theory]
    [InlineData("order-1")]
    [InlineData("")]
    [InlineData("ünïcødé/with spaces:and|symbols")]
    public void Decode_TokenFromEncode_ReturnsTheKey(string key)
    {
        Assert.Equal(key, ContinuationToken.Decode(ContinuationToken.Encode(key)));
    }

    [Fact]
    public void Encode_Key_DoesNotExposeTheKeyVerbatim()
    {
        Assert.DoesNotContain("order-1", ContinuationToken.Encode("order-1"), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    public void Decode_NullOrEmpty_ReturnsNull(string? token)
    {
        Assert.Null(ContinuationToken.Decode(token));
    }

    [Theory]
    [InlineData("order-1")]
    [InlineData("p2.b3JkZXItMQ==")]
    [InlineData("p1.not base64!")]
    [InlineData("p1")]
    public void Decode_ForeignToken_ThrowsArgumentExceptionNamingIt(string token)
    {
        var ex = Assert.Throws<ArgumentException>(() => ContinuationToken.Decode(token));

        Assert.Contains(token, ex.Message, StringComparison.Ordinal);
        Assert.Equal("token", ex.ParamName);
    }
}
