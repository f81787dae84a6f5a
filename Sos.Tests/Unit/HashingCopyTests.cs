using System.Globalization;
using Sos.Core.Objects;

namespace Sos.Tests.Unit;

public sealed class HashingCopyTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(128 * 1024)]
    [InlineData(128 * 1024 + 1)]
    [InlineData(3 * 1024 * 1024)]
    public async Task CopiesTheBytesExactlyAndReportsTheirSizeAndSha1(int length)
    {
        var bytes = RandomBytes(length, seed: length);
        using var source = new MemoryStream(bytes);
        using var destination = new MemoryStream();

        var hashed = await HashingCopy.CopyAsync(source, destination, long.MaxValue, CancellationToken.None);

        Assert.Equal(bytes, destination.ToArray());
        Assert.Equal(length, hashed.Size);
        Assert.Equal(Convert.ToHexStringLower(TestBytes.Sha1(bytes)), hashed.Id.ToString());
    }

    [Fact]
    public async Task CopiesASourceThatHandsOutSmallUnevenReads()
    {
        var bytes = RandomBytes(300_000, seed: 5);
        using var source = new TricklingStream(bytes, maxRead: 777);
        using var destination = new MemoryStream();

        var hashed = await HashingCopy.CopyAsync(source, destination, long.MaxValue, CancellationToken.None);

        Assert.Equal(bytes, destination.ToArray());
        Assert.Equal(bytes.Length, hashed.Size);
        Assert.Equal(TestBytes.IdOf(bytes), hashed.Id);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(4097, 4096)]
    [InlineData(3 * 1024 * 1024, 3 * 1024 * 1024 - 1)]
    public async Task ABodyOverTheMaximumThrowsObjectTooLarge(int length, long maxBytes)
    {
        using var source = new MemoryStream(RandomBytes(length, seed: 6));

        var error = await Assert.ThrowsAsync<ObjectTooLargeException>(
            () => HashingCopy.CopyAsync(source, Stream.Null, maxBytes, CancellationToken.None));

        Assert.Equal(maxBytes, error.MaxBytes);
        Assert.Contains(maxBytes.ToString(CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(4096)]
    [InlineData(3 * 1024 * 1024)]
    public async Task ABodyOfExactlyTheMaximumIsAllowed(int length)
    {
        var bytes = RandomBytes(length, seed: 7);
        using var source = new MemoryStream(bytes);
        using var destination = new MemoryStream();

        var hashed = await HashingCopy.CopyAsync(source, destination, maxBytes: length, CancellationToken.None);

        Assert.Equal(length, hashed.Size);
        Assert.Equal(bytes, destination.ToArray());
        Assert.Equal(TestBytes.IdOf(bytes), hashed.Id);
    }

    [Fact]
    public async Task ACancelledCopyThrowsOperationCanceled()
    {
        using var source = new MemoryStream(RandomBytes(4096, seed: 8));
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => HashingCopy.CopyAsync(source, Stream.Null, long.MaxValue, cancelled.Token));
    }

    private static byte[] RandomBytes(int length, int seed) => TestBytes.Random(length, seed);

    /// <summary>A network-like body: never more than a few hundred bytes per read.</summary>
    private sealed class TricklingStream(byte[] bytes, int maxRead) : MemoryStream(bytes, writable: false)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, maxRead));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, maxRead)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, maxRead)], cancellationToken);
    }
}
