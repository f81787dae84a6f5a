using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Sos.BlobServer.Storage;

/// <summary>
/// A new file written around the page cache (<c>O_DIRECT</c>), for large copies. Written
/// through the page cache, every byte of a copy is first copied into fresh cache pages (on the
/// virtual machine Sos is measured on, that cost a blob server more CPU than receiving, hashing
/// and summing the copy together), and the flush then writes those pages out. Written direct, the disk takes the bytes from this
/// stream's own buffers. Two aligned buffers take turns: one fills while the other is written.
/// The last block is written whole (zero-padded) and the file then cut to its real length.
/// A flush completes the file; nothing may be written after it.
/// </summary>
internal sealed class DirectWriteStream : Stream
{
    /// <summary>Offsets, lengths and buffer addresses of direct writes are multiples of this (a page; any block size divides it).</summary>
    private const int Alignment = 4096;

    private const int MaxBufferSize = 2 * 1024 * 1024;

    private readonly SafeFileHandle _handle;
    private readonly int _bufferSize;
    private Memory<byte> _filling;
    private Memory<byte> _spare;
    private int _filled;
    private long _offset;
    private long _length;
    private Task _writing = Task.CompletedTask;
    private bool _completed;

    private DirectWriteStream(SafeFileHandle handle, long? expectedLength)
    {
        _handle = handle;
        // A copy known to be smaller than the buffers needs no more than its own size, rounded up.
        _bufferSize = (int)Math.Min(MaxBufferSize, RoundUp(Math.Max(expectedLength ?? MaxBufferSize, 1)));
        _filling = AlignedBuffer(_bufferSize);
        _spare = AlignedBuffer(_bufferSize);
    }

    /// <summary>The file's handle, for its timestamps and its flush to disk.</summary>
    public SafeFileHandle Handle => _handle;

    /// <summary>
    /// Creates <paramref name="path"/> (it must not exist) for direct writes of about
    /// <paramref name="expectedLength"/> bytes (null: unknown); null where the platform or the
    /// file system does not take them, and the caller writes it as usual.
    /// </summary>
    public static DirectWriteStream? TryCreate(string path, long? expectedLength = null) =>
        Libc.OpenDirectForWriting(path) is { } handle ? new DirectWriteStream(handle, expectedLength) : null;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => !_completed;

    public override long Length => _length;

    public override long Position { get => Length; set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_completed, this);
        while (!buffer.IsEmpty)
        {
            var taken = Math.Min(buffer.Length, _bufferSize - _filled);
            buffer[..taken].CopyTo(_filling[_filled..]);
            _filled += taken;
            _length += taken;
            buffer = buffer[taken..];
            if (_filled == _bufferSize)
            {
                await StartWriteAsync(_bufferSize);
            }
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Writes what is left, the last block padded, and cuts the file to its length.</summary>
    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        if (_completed)
        {
            return;
        }
        _completed = true;
        var tail = _filled;
        var padded = (int)RoundUp(tail);
        _filling.Span[tail..padded].Clear();
        await StartWriteAsync(padded);
        await _writing;
        if (padded != tail)
        {
            RandomAccess.SetLength(_handle, _length);
        }
    }

    public override void Flush() => FlushAsync(CancellationToken.None).GetAwaiter().GetResult();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override async ValueTask DisposeAsync()
    {
        // Waited for here, without blocking a thread, so that Dispose finds it done.
        await _writing.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await base.DisposeAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // A write still under way finishes before the handle closes; its error, if any, is not
            // reported here: a stream disposed before its flush completed is an abandoned copy.
            _writing.ContinueWith(_ => { }, TaskScheduler.Default).Wait();
            _handle.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Waits for the write before, then starts writing the filled buffer's first <paramref name="count"/> bytes.</summary>
    private async Task StartWriteAsync(int count)
    {
        await _writing;
        if (count == 0)
        {
            return;
        }
        var full = _filling[..count];
        _writing = RandomAccess.WriteAsync(_handle, full, _offset).AsTask();
        _offset += count;
        (_filling, _spare) = (_spare, _filling);
        _filled = 0;
    }

    /// <summary>A buffer on the pinned heap (its address never moves), cut to start on an aligned address.</summary>
    private static Memory<byte> AlignedBuffer(int size)
    {
        var array = GC.AllocateUninitializedArray<byte>(size + Alignment, pinned: true);
        var address = Marshal.UnsafeAddrOfPinnedArrayElement(array, 0);
        var skip = (int)((Alignment - address % Alignment) % Alignment);
        return array.AsMemory(skip, size);
    }

    private static long RoundUp(long length) => (length + Alignment - 1) / Alignment * Alignment;
}
