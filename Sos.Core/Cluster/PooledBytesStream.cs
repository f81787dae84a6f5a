using System.Buffers;

namespace Sos.Core.Cluster;

/// <summary>
/// Bytes read ahead into a pooled buffer, then the rest of a source: a small object read whole
/// and checked (no rest), or the start of a chunked body that turned out larger than what is
/// read ahead. The buffer goes back to the pool with the stream.
/// </summary>
internal sealed class PooledBytesStream(byte[] buffer, int length, Stream? rest) : Stream
{
    private byte[]? _buffer = buffer;
    private int _position;

    /// <summary>The bytes read ahead, valid until the stream is disposed.</summary>
    public ReadOnlyMemory<byte> Bytes => (_buffer ?? throw new ObjectDisposedException(nameof(PooledBytesStream))).AsMemory(0, length);

    public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
    {
        if (_position < length)
        {
            var count = Math.Min(destination.Length, length - _position);
            Bytes.Slice(_position, count).CopyTo(destination);
            _position += count;
            return count;
        }
        return rest is null ? 0 : await rest.ReadAsync(destination, cancellationToken);
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => rest is null ? length : throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            rest?.Dispose();
            if (Interlocked.Exchange(ref _buffer, null) is { } rented)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
        base.Dispose(disposing);
    }
}
