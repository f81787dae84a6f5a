using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;

namespace Sos.Core.Storage;

/// <summary>
/// A fast checksum (XxHash3, 64 bits) of every 64 KiB chunk of a copy, recorded when the copy is
/// written, so that every chunk a read serves, whole or range, is checked without re-hashing the
/// whole object with SHA-1.
/// </summary>
public sealed class ChunkSums
{
    public const int ChunkSize = 64 * 1024;
    private const int SumSize = sizeof(ulong);

    private readonly byte[] _sums;

    private ChunkSums(long length, byte[] sums)
    {
        Length = length;
        _sums = sums;
    }

    /// <summary>The length of the copy the sums were made for.</summary>
    public long Length { get; }

    public int Count => _sums.Length / SumSize;

    public static int ChunksFor(long length) => (int)((length + ChunkSize - 1) / ChunkSize);

    /// <summary>True when <paramref name="chunk"/> is the <paramref name="index"/>th chunk as written.</summary>
    public bool Matches(int index, ReadOnlySpan<byte> chunk) =>
        index < Count && XxHash3.HashToUInt64(chunk) == BinaryPrimitives.ReadUInt64BigEndian(_sums.AsSpan(index * SumSize));

    /// <summary>True when <paramref name="bytes"/> are the whole copy as written, every chunk matching its sum.</summary>
    public bool MatchesWhole(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != Length)
        {
            return false;
        }
        for (var index = 0; !bytes.IsEmpty; index++)
        {
            var chunk = bytes[..Math.Min(ChunkSize, bytes.Length)];
            if (!Matches(index, chunk))
            {
                return false;
            }
            bytes = bytes[chunk.Length..];
        }
        return true;
    }

    /// <summary>The text form kept in the <c>.meta</c>: the length, a space, then the sums in hex.</summary>
    public override string ToString() => $"{Length.ToString(CultureInfo.InvariantCulture)} {Convert.ToHexStringLower(_sums)}";

    public static ChunkSums? Parse(string text)
    {
        var space = text.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0 || !long.TryParse(text.AsSpan(0, space), NumberStyles.None, CultureInfo.InvariantCulture, out var length))
        {
            return null;
        }
        try
        {
            var sums = Convert.FromHexString(text.AsSpan(space + 1));
            return sums.Length == ChunksFor(length) * SumSize ? new ChunkSums(length, sums) : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>Sums bytes as they are written, chunk by chunk.</summary>
    public sealed class Builder
    {
        private readonly XxHash3 _hash = new();
        private readonly ArrayBufferWriter<byte> _sums = new();
        private long _length;
        private int _inChunk;

        public void Append(ReadOnlySpan<byte> bytes)
        {
            while (!bytes.IsEmpty)
            {
                var take = Math.Min(bytes.Length, ChunkSize - _inChunk);
                _hash.Append(bytes[..take]);
                _inChunk += take;
                _length += take;
                bytes = bytes[take..];
                if (_inChunk == ChunkSize)
                {
                    EndChunk();
                }
            }
        }

        public ChunkSums Build()
        {
            if (_inChunk > 0)
            {
                EndChunk();
            }
            return new ChunkSums(_length, _sums.WrittenSpan.ToArray());
        }

        private void EndChunk()
        {
            Span<byte> sum = stackalloc byte[SumSize];
            BinaryPrimitives.WriteUInt64BigEndian(sum, _hash.GetCurrentHashAsUInt64());
            _sums.Write(sum);
            _hash.Reset();
            _inChunk = 0;
        }
    }
}
