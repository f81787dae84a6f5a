using System.Buffers.Binary;
using System.IO.Hashing;
using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.Core.Storage;

/// <summary>
/// The on-disk form of one log record: a 64-byte header, then the copy's <c>.meta</c> bytes, then
/// its bytes. The header holds a magic number, the record's length, its kind (a copy, or the
/// removal of one), the metadata's length, the id, the write's timestamp, a sum of what follows the
/// header and, last, a sum of the header itself (XxHash3, little-endian throughout). A record that
/// was cut short by a crash, or damaged since, fails one of the sums and ends the readable part of
/// its segment.
/// </summary>
public static class LogRecord
{
    public const int HeaderSize = 64;
    public const byte CopyKind = 1;
    public const byte RemovalKind = 2;

    private const uint Magic = 0x4C534F53; // "SOSL"

    /// <summary>Far above what a record can hold (metadata up to 1 MiB, a copy up to 64 KiB): a larger length is damage.</summary>
    private const int MaxLength = HeaderSize + 4 * 1024 * 1024;

    public static int SizeOf(int metadataLength, int dataLength) => HeaderSize + metadataLength + dataLength;

    /// <summary>Writes one record at the start of <paramref name="destination"/>; returns its length.</summary>
    public static int Write(Span<byte> destination, byte kind, ObjectId id, HybridTimestamp stamp, ReadOnlySpan<byte> metadata, ReadOnlySpan<byte> data)
    {
        var length = SizeOf(metadata.Length, data.Length);
        var header = destination[..HeaderSize];
        header.Clear();
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteInt32LittleEndian(header[4..], length);
        header[8] = kind;
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], metadata.Length);
        id.WriteBytes(header[16..36]);
        BinaryPrimitives.WriteInt64LittleEndian(header[36..], stamp.Ticks);
        metadata.CopyTo(destination[HeaderSize..]);
        data.CopyTo(destination[(HeaderSize + metadata.Length)..]);
        BinaryPrimitives.WriteUInt64LittleEndian(header[44..], XxHash3.HashToUInt64(destination[HeaderSize..length]));
        BinaryPrimitives.WriteUInt64LittleEndian(header[56..], XxHash3.HashToUInt64(header[..56]));
        return length;
    }

    /// <summary>Reads a header; false when it is not a whole, intact one (the end of a segment's readable records).</summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> header, out LogRecordHeader read)
    {
        read = default;
        if (header.Length < HeaderSize || BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic
            || BinaryPrimitives.ReadUInt64LittleEndian(header[56..]) != XxHash3.HashToUInt64(header[..56]))
        {
            return false;
        }
        var length = BinaryPrimitives.ReadInt32LittleEndian(header[4..]);
        var kind = header[8];
        var metadataLength = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        if (length < HeaderSize || length > MaxLength || metadataLength < 0 || metadataLength > length - HeaderSize
            || kind is not (CopyKind or RemovalKind))
        {
            return false;
        }
        read = new LogRecordHeader(kind, ObjectId.FromDigest(header[16..36]), new HybridTimestamp(BinaryPrimitives.ReadInt64LittleEndian(header[36..])),
            metadataLength, length, BinaryPrimitives.ReadUInt64LittleEndian(header[44..]));
        return true;
    }

    /// <summary>Whether the bytes after a header (metadata and data) are the ones it was written with.</summary>
    public static bool PayloadMatches(LogRecordHeader header, ReadOnlySpan<byte> payload) =>
        payload.Length == header.Length - HeaderSize && XxHash3.HashToUInt64(payload) == header.PayloadSum;
}
