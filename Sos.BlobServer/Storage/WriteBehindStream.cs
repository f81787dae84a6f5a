using Microsoft.Win32.SafeHandles;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Passes writes on to a file and starts the disk writing each 8 MiB as soon as it is written,
/// while the rest of a large copy still arrives. Left to itself the kernel starts write-back
/// late on a machine with much memory, and the final flush of a large copy then writes all of
/// it at once, after the last byte came in; started early, the flush finds little left to do.
/// </summary>
internal sealed class WriteBehindStream(Stream file, SafeFileHandle handle) : Stream
{
    private const long Step = 8 * 1024 * 1024;

    private long _written;
    private long _started;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => file.Length;

    public override long Position { get => file.Position; set => throw new NotSupportedException(); }

    public override void Write(byte[] buffer, int offset, int count)
    {
        file.Write(buffer, offset, count);
        Advance(count);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await file.WriteAsync(buffer, cancellationToken);
        Advance(buffer.Length);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => file.Flush();

    public override Task FlushAsync(CancellationToken cancellationToken) => file.FlushAsync(cancellationToken);

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private void Advance(int count)
    {
        _written += count;
        if (_written - _started >= Step)
        {
            Libc.StartWriteBack(handle, _started, _written - _started);
            _started = _written;
        }
    }
}
