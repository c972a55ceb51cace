using Perdure.Core.InMemory;

namespace Perdure.Core.Tests.InMemory;

public sealed class InMemoryStoreTests
{
    [Theory]
    [InlineData("")]
    [InlineData("bad name")]
    public void Constructor_InvalidTaskHub_ThrowsArgumentException(string taskHub)
    {
        Assert.ThrowsAny<ArgumentException>(() => new InMemoryStore(taskHub));
    }

    [Fact]
    public void Constructor_ValidTaskHub_ExposesIt()
    {
        Assert.Equal("orders", new InMemoryStore("orders").TaskHub);
    }
}
