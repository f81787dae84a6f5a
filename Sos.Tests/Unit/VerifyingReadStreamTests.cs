using Sos.Core.Objects;

namespace Sos.Tests.Unit;

public sealed class VerifyingReadStreamTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(200_000)]
    public async Task AGoodCopyReadsThroughUnchanged(int length)
    {
        var bytes = TestBytes.Random(length, seed: length);
        using var copy = new VerifyingReadStream(new MemoryStream(bytes), TestBytes.IdOf(bytes), length);
        using var received = new MemoryStream();

        await copy.CopyToAsync(received);

        Assert.Equal(bytes, received.ToArray());
    }

    [Fact]
    public async Task ABadCopyFailsBeforeItsLastBytesAreHandedOut()
    {
        var bytes = TestBytes.Random(300_000, seed: 1);
        var id = TestBytes.IdOf(bytes);
        var rotten = (byte[])bytes.Clone();
        rotten[150_000] ^= 0xff;
        using var copy = new VerifyingReadStream(new MemoryStream(rotten), id, rotten.Length);
        using var received = new MemoryStream();

        await Assert.ThrowsAsync<CorruptCopyException>(() => copy.CopyToAsync(received, 64 * 1024));

        Assert.True(received.Length < bytes.Length, "the whole body was handed out before the check");
    }

    [Fact]
    public async Task ACopyShorterThanAnnouncedFails()
    {
        var bytes = TestBytes.Random(1000, seed: 2);
        using var copy = new VerifyingReadStream(new MemoryStream(bytes[..900]), TestBytes.IdOf(bytes), bytes.Length);

        await Assert.ThrowsAsync<CorruptCopyException>(() => copy.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task ACopyLongerThanAnnouncedFails()
    {
        var bytes = TestBytes.Random(1000, seed: 3);
        byte[] longer = [.. bytes, 7];
        using var copy = new VerifyingReadStream(new MemoryStream(longer), TestBytes.IdOf(bytes), bytes.Length);

        await Assert.ThrowsAsync<CorruptCopyException>(() => copy.CopyToAsync(Stream.Null));
    }
}
