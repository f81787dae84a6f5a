using System.Buffers;
using System.Security.Cryptography;

namespace Sos.Core.Objects;

/// <summary>
/// Copies a stream while computing its SHA-1, with one pooled buffer, so that an object of
/// any size is hashed on its way to disk in constant memory.
/// </summary>
public static class HashingCopy
{
    private const int BufferSize = 128 * 1024;

    /// <summary>
    /// Copies <paramref name="source"/> to its end into <paramref name="destination"/>, hashing it;
    /// more than <paramref name="maxBytes"/> throws <see cref="ObjectTooLargeException"/>.
    /// <paramref name="received"/>, when given, is told the length of each piece read from the
    /// source as it is read (before the size check: those bytes did arrive).
    /// </summary>
    public static async Task<HashedContent> CopyAsync(
        Stream source, Stream destination, long maxBytes, CancellationToken cancellationToken, Action<int>? received = null)
    {
        using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            long size = 0;
            int read;
            while ((read = await FillAsync(source, buffer, cancellationToken)) > 0)
            {
                received?.Invoke(read);
                size += read;
                if (size > maxBytes)
                {
                    throw new ObjectTooLargeException(maxBytes);
                }
                sha1.AppendData(buffer, 0, read);
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
            Span<byte> digest = stackalloc byte[ObjectId.ByteLength];
            sha1.GetHashAndReset(digest);
            return new HashedContent(ObjectId.FromDigest(digest), size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads until the buffer is full or the source ends. A network body arrives in pieces of a
    /// few KiB; writing each on its own would cost a file write (a thread-pool hop for an
    /// asynchronous file) per piece, and large objects would crawl.
    /// </summary>
    private static async Task<int> FillAsync(Stream source, byte[] buffer, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < BufferSize && (read = await source.ReadAsync(buffer.AsMemory(filled, BufferSize - filled), cancellationToken)) > 0)
        {
            filled += read;
        }
        return filled;
    }
}
