using Microsoft.Win32.SafeHandles;
using Sos.Core.Objects;

namespace Sos.Core.Storage;

/// <summary>
/// Reads whole chunks of a copy straight into the caller's memory and checks each one against the
/// sum recorded when the copy was written before returning: bytes it hands out are always good.
/// The caller chooses the memory (a response's own buffer, so nothing is copied twice) and how
/// many chunks a read takes. A chunk that does not match, or a file whose length changed, throws
/// <see cref="CorruptCopyException"/>; quarantining the copy is the caller's part.
/// </summary>
public sealed class VerifiedChunkReader(SafeFileHandle file, ObjectId id, ChunkSums sums)
{
    public long Length => sums.Length;

    /// <summary>
    /// Fills <paramref name="destination"/> with as many whole chunks as fit, from the chunk at
    /// <paramref name="offset"/> (a multiple of <see cref="ChunkSums.ChunkSize"/>), and returns
    /// how many bytes it read: 0 at the end. <paramref name="destination"/> must hold at least
    /// one chunk, or all that is left of the copy.
    /// </summary>
    public async ValueTask<int> ReadAsync(long offset, Memory<byte> destination, CancellationToken cancellationToken)
    {
        var left = sums.Length - offset;
        if (left <= 0)
        {
            return 0;
        }
        if (offset % ChunkSums.ChunkSize != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), "reads start at a chunk");
        }
        var length = destination.Length >= left ? (int)left : destination.Length / ChunkSums.ChunkSize * ChunkSums.ChunkSize;
        if (length == 0)
        {
            throw new ArgumentException("the destination holds less than one chunk", nameof(destination));
        }
        var read = 0;
        while (read < length)
        {
            var n = await RandomAccess.ReadAsync(file, destination[read..length], offset + read, cancellationToken);
            if (n == 0)
            {
                break;
            }
            read += n;
        }
        // Shorter or longer than when it was written: rewritten or truncated in place, not a good copy.
        if (read < length || RandomAccess.GetLength(file) != sums.Length)
        {
            throw new CorruptCopyException(id, $"{RandomAccess.GetLength(file)} bytes, not the {sums.Length} written") { Offset = offset };
        }
        var first = (int)(offset / ChunkSums.ChunkSize);
        var bytes = destination.Span[..length];
        for (var index = 0; !bytes.IsEmpty; index++)
        {
            var chunk = bytes[..Math.Min(ChunkSums.ChunkSize, bytes.Length)];
            if (!sums.Matches(first + index, chunk))
            {
                throw new CorruptCopyException(id, $"chunk {first + index} does not match the checksum recorded when it was written")
                {
                    Offset = (long)(first + index) * ChunkSums.ChunkSize,
                };
            }
            bytes = bytes[chunk.Length..];
        }
        return length;
    }
}
