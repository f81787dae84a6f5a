using System.Buffers;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The memory Kestrel receives into, in blocks of <see cref="BlockSize"/> rented from the shared
/// array pool. Kestrel's own pool hands out 4 KiB blocks, and its socket transport receives into
/// one block at a time: a 1 GiB body then takes a quarter of a million receives, each after a
/// one-byte peek that waits for data, on every service it passes through. With 64 KiB blocks a
/// busy connection takes 16 times fewer system calls; a small request still costs one block,
/// returned when its bytes are consumed.
/// </summary>
internal sealed class LargeBlockMemoryPool : MemoryPool<byte>
{
    public const int BlockSize = 64 * 1024;

    /// <summary>Kestrel asks for blocks no larger than this; a larger rent is served all the same.</summary>
    public override int MaxBufferSize => BlockSize;

    public override IMemoryOwner<byte> Rent(int minBufferSize = -1) => new Block(Math.Max(minBufferSize, BlockSize));

    protected override void Dispose(bool disposing)
    {
    }

    private sealed class Block(int size) : IMemoryOwner<byte>
    {
        private byte[]? _array = ArrayPool<byte>.Shared.Rent(size);

        public Memory<byte> Memory => _array ?? throw new ObjectDisposedException(nameof(Block));

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _array, null) is { } array)
            {
                ArrayPool<byte>.Shared.Return(array);
            }
        }
    }
}
