namespace Sos.Core.Files;

/// <summary>
/// A write-only stream in front of <see cref="Inner"/>: every write goes on to it, then its bytes
/// are shown to <see cref="Wrote"/>. The base of the streams that sum, write behind or fork a body
/// on its way to a file.
/// </summary>
public abstract class PassThroughWriteStream(Stream inner) : Stream
{
    protected Stream Inner { get; } = inner;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => Inner.Length;

    public override long Position { get => Inner.Position; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        Inner.Write(buffer, offset, count);
        Wrote(buffer.AsSpan(offset, count));
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Inner.WriteAsync(buffer, cancellationToken);
        Wrote(buffer.Span);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => Inner.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => Inner.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    /// <summary>What the stream does with bytes once <see cref="Inner"/> has taken them.</summary>
    protected virtual void Wrote(ReadOnlySpan<byte> bytes)
    {
    }
}
