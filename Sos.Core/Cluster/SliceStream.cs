namespace Sos.Core.Cluster;

/// <summary>
/// <see cref="ObjectPart.Count"/> bytes of a source from <see cref="ObjectPart.Offset"/> on: a
/// range served out of a whole copy, for servers that answer a range with everything. A source
/// that ends early fails the read, so a short range never passes for a complete one.
/// </summary>
internal sealed class SliceStream(Stream source, long skip, long count) : Stream
{
    private long _toSkip = skip;
    private readonly long _count = count;
    private long _left = count;

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (_toSkip > 0)
        {
            var skipped = await source.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _toSkip)], cancellationToken);
            if (skipped == 0)
            {
                throw new IOException($"The copy ended {_toSkip} bytes before the range began.");
            }
            _toSkip -= skipped;
        }
        if (_left == 0 || buffer.IsEmpty)
        {
            return 0;
        }
        var read = await source.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _left)], cancellationToken);
        if (read == 0)
        {
            throw new IOException($"The copy ended {_left} bytes before the end of the range.");
        }
        _left -= read;
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _count;
    public override long Position { get => _count - _left; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            source.Dispose();
        }
        base.Dispose(disposing);
    }
}
