using System.Buffers;
using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Reads a copy (seekable, so ranges can be served) one whole chunk at a time and checks each
/// chunk against the sum recorded when the copy was written before handing out any of its bytes.
/// A chunk that does not match calls <paramref name="onCorrupt"/> (which quarantines the copy)
/// and throws <see cref="CorruptCopyException"/>: the response is cut short, never completed.
/// </summary>
internal sealed class ChunkVerifyingStream(FileStream file, ObjectId id, ChunkSums sums, Action onCorrupt) : Stream
{
    private readonly VerifiedChunkReader _reader = new(file.SafeFileHandle, id, sums);
    private byte[]? _chunk = ArrayPool<byte>.Shared.Rent(ChunkSums.ChunkSize);
    private int _loaded = -1;
    private int _loadedLength;
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => sums.Length;

    public override long Position
    {
        get => _position;
        set => _position = value is >= 0 ? value : throw new ArgumentOutOfRangeException(nameof(value));
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var chunk = _chunk ?? throw new ObjectDisposedException(nameof(ChunkVerifyingStream));
        if (_position >= sums.Length || buffer.IsEmpty)
        {
            return 0;
        }
        var index = (int)(_position / ChunkSums.ChunkSize);
        if (index != _loaded)
        {
            await LoadAsync(chunk, index, cancellationToken);
        }
        var offset = (int)(_position - ((long)index * ChunkSums.ChunkSize));
        var count = Math.Min(buffer.Length, _loadedLength - offset);
        chunk.AsMemory(offset, count).CopyTo(buffer);
        _position += count;
        return count;
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => sums.Length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            file.Dispose();
            if (Interlocked.Exchange(ref _chunk, null) is { } chunk)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
        base.Dispose(disposing);
    }

    private async Task LoadAsync(byte[] chunk, int index, CancellationToken cancellationToken)
    {
        _loaded = -1;
        try
        {
            _loadedLength = await _reader.ReadAsync((long)index * ChunkSums.ChunkSize, chunk.AsMemory(0, ChunkSums.ChunkSize), cancellationToken);
        }
        catch (CorruptCopyException)
        {
            onCorrupt();
            throw;
        }
        _loaded = index;
    }
}
