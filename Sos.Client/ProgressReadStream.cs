namespace Sos.Client;

/// <summary>
/// A read-only view of an upload's body that counts the bytes read from it and reports the total.
/// It seeks when the inner stream does, so that a body from a file can be sent again on a retry.
/// </summary>
internal sealed class ProgressReadStream(Stream inner, IProgress<long>? progress) : Stream
{
    private long _sent;

    /// <summary>Bytes read from the body, over every attempt to send it.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => inner.CanSeek;

    public override bool CanWrite => false;

    public override long Length => inner.Length;

    public override long Position
    {
        get => inner.Position;
        set
        {
            inner.Position = value;
            // Progress is of this attempt: a replay starts again from where it seeks to.
            _sent = 0;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Counted(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Counted(inner.Read(buffer));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Counted(await inner.ReadAsync(buffer, cancellationToken));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        var position = inner.Seek(offset, origin);
        _sent = 0;
        return position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private int Counted(int read)
    {
        BytesRead += read;
        _sent += read;
        if (read > 0)
        {
            progress?.Report(_sent);
        }
        return read;
    }
}
