using System.Buffers;
using Sos.Core.Objects;

namespace Sos.Core.Storage;

/// <summary>
/// Reads a copy (seekable, so ranges can be served) in whole chunks and checks each chunk against
/// the sum recorded when the copy was written before handing out any of its bytes. A read of whole
/// chunks goes straight into the caller's memory; a smaller one is served from one chunk kept here.
/// A chunk that does not match awaits <paramref name="onCorrupt"/> (which has the copy
/// quarantined) and throws <see cref="CorruptCopyException"/>: the response is cut short, never completed.
/// </summary>
public sealed class ChunkVerifyingStream(FileStream file, ObjectId id, ChunkSums sums, Func<CorruptCopyException, Task> onCorrupt) : Stream
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
        if (index != _loaded && _position % ChunkSums.ChunkSize == 0 && (buffer.Length >= ChunkSums.ChunkSize || buffer.Length >= sums.Length - _position))
        {
            // Whole chunks fit: read and checked straight in the caller's memory, not copied from the chunk buffer.
            var direct = await CheckedAsync(() => _reader.ReadAsync(_position, buffer, cancellationToken));
            _position += direct;
            return direct;
        }
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

    /// <summary>
    /// Reads and checks the chunk at the current position now, so that a copy that starts bad is
    /// found before anything is answered from it; the next read is served from that chunk.
    /// </summary>
    public Task CheckAheadAsync(CancellationToken cancellationToken) =>
        _position >= sums.Length ? Task.CompletedTask
            : LoadAsync(_chunk ?? throw new ObjectDisposedException(nameof(ChunkVerifyingStream)), (int)(_position / ChunkSums.ChunkSize), cancellationToken);

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
        _loadedLength = await CheckedAsync(() => _reader.ReadAsync((long)index * ChunkSums.ChunkSize, chunk.AsMemory(0, ChunkSums.ChunkSize), cancellationToken));
        _loaded = index;
    }

    private async ValueTask<int> CheckedAsync(Func<ValueTask<int>> read)
    {
        try
        {
            return await read();
        }
        catch (CorruptCopyException ex)
        {
            await onCorrupt(ex);
            throw;
        }
    }
}
