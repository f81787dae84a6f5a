using System.Buffers;
using Microsoft.Win32.SafeHandles;
using Sos.Core.Objects;

namespace Sos.Core.Storage;

/// <summary>
/// Reads one segment back at start, every record whole and checked against both its sums. A
/// record whose header is intact but whose bytes fail their sum (a batch cut short by a crash, or
/// damage) is passed over, and reading goes on after it. Bytes that are no record at all are passed
/// over up to the next intact header; since such a header could lie inside a damaged record's
/// bytes, which anyone could have uploaded, a copy found after one must hash to its id, and a
/// removal found there is not trusted. A segment that may still be appended to (the newest of a
/// log, or an inbox segment whose writer holds it) is read with <see cref="WholeRecords"/> instead.
/// </summary>
public sealed class SegmentReader(SafeFileHandle handle)
{
    private const int WindowSize = 1024 * 1024;

    /// <summary>The first read of a record on its own: a 4 KiB copy's whole record with its metadata.</summary>
    private const int FirstReadBytes = 8 * 1024;

    /// <summary>What <see cref="WholeRecords"/> reads at once: a dozen small copies' records, below the large-object heap's threshold.</summary>
    private const int BlockSize = 64 * 1024;

    /// <summary>What <see cref="WholeHeaders"/> reads at once, into a block it reuses: the records of a batch or two of small copies.</summary>
    private const int PooledBlockSize = 256 * 1024;

    private readonly long _length = RandomAccess.GetLength(handle);
    private byte[] _window = new byte[WindowSize];
    private long _windowStart;
    private int _windowLength;

    /// <summary>How many records, or runs of bytes that were no record, were passed over.</summary>
    public int Skipped { get; private set; }

    /// <summary>The segment's good records in order, with their offsets, from <paramref name="from"/> (the start of a record) on.</summary>
    public IEnumerable<(long Offset, LogRecordHeader Header)> Records(long from = 0)
    {
        var offset = from;
        var resynchronised = false;
        while (offset + LogRecord.HeaderSize <= _length)
        {
            if (!LogRecord.TryReadHeader(Bytes(offset, LogRecord.HeaderSize).Span, out var record) || offset + record.Length > _length)
            {
                var next = NextHeader(offset + 1);
                if (next < 0)
                {
                    if (!IsZeros(offset))
                    {
                        Skipped++;
                    }
                    yield break;
                }
                Skipped++;
                resynchronised = true;
                offset = next;
                continue;
            }
            var payload = Bytes(offset + LogRecord.HeaderSize, record.Length - LogRecord.HeaderSize);
            var good = LogRecord.PayloadMatches(record, payload.Span)
                && (!resynchronised || (record.Kind == LogRecord.CopyKind && ObjectId.Of(payload.Span[record.MetadataLength..]) == record.Id));
            if (good)
            {
                yield return (offset, record);
            }
            else
            {
                Skipped++;
            }
            offset += record.Length;
        }
    }

    /// <summary>
    /// The whole, intact records from <paramref name="from"/> (the start of a record) up to the first
    /// that is not, each with the bytes after its header: how a segment that is still being appended
    /// to is read, where a record that is not whole may be one being written rather than damage.
    /// </summary>
    public static IEnumerable<(long Offset, LogRecordHeader Header, ReadOnlyMemory<byte> Payload)> WholeRecords(SafeFileHandle handle, long from) =>
        ReadWhole(handle, from, pooled: false);

    /// <summary>
    /// As <see cref="WholeRecords"/>, for a reader that needs only where each record is (its block is
    /// reused, so no payload outlives the step that read it).
    /// </summary>
    public static IEnumerable<(long Offset, LogRecordHeader Header)> WholeHeaders(SafeFileHandle handle, long from) =>
        ReadWhole(handle, from, pooled: true).Select(record => (record.Offset, record.Header));

    /// <summary>
    /// The whole, intact records from <paramref name="from"/> on, read in blocks of many records
    /// rather than a read per record. A pooled block is reused for the next; an unpooled one is
    /// new, uninitialised and left to its payloads.
    /// </summary>
    private static IEnumerable<(long Offset, LogRecordHeader Header, ReadOnlyMemory<byte> Payload)> ReadWhole(SafeFileHandle handle, long from, bool pooled)
    {
        var size = pooled ? PooledBlockSize : BlockSize;
        var block = pooled ? ArrayPool<byte>.Shared.Rent(size) : GC.AllocateUninitializedArray<byte>(size);
        try
        {
            var start = from;
            while (true)
            {
                var filled = RandomAccess.Read(handle, block, start);
                var at = 0;
                while (filled - at >= LogRecord.HeaderSize && LogRecord.TryReadHeader(block.AsSpan(at, LogRecord.HeaderSize), out var header)
                    && header.Length <= filled - at)
                {
                    var payload = block.AsMemory(at + LogRecord.HeaderSize, header.Length - LogRecord.HeaderSize);
                    if (!LogRecord.PayloadMatches(header, payload.Span))
                    {
                        yield break;
                    }
                    yield return (start + at, header, payload);
                    at += header.Length;
                }
                if (filled < block.Length)
                {
                    yield break; // the end of what is written
                }
                // The block ended inside a record: the next starts with it, large enough to hold it.
                var needed = at == 0 && LogRecord.TryReadHeader(block.AsSpan(0, LogRecord.HeaderSize), out var next) ? next.Length : size;
                if (at == 0 && needed <= filled)
                {
                    yield break;
                }
                start += at;
                if (pooled)
                {
                    if (needed > block.Length)
                    {
                        ArrayPool<byte>.Shared.Return(block);
                        block = ArrayPool<byte>.Shared.Rent(needed);
                    }
                }
                else
                {
                    block = GC.AllocateUninitializedArray<byte>(Math.Max(needed, size));
                }
            }
        }
        finally
        {
            if (pooled)
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }
    }

    /// <summary>The record at <paramref name="offset"/>, its header and the bytes after it, when it is whole and both its sums match; else null.</summary>
    public static (LogRecordHeader Header, ReadOnlyMemory<byte> Payload)? ReadRecord(SafeFileHandle handle, long offset)
    {
        // One read takes a small copy's whole record; a larger one takes a second for the rest.
        var record = GC.AllocateUninitializedArray<byte>(FirstReadBytes);
        var read = RandomAccess.Read(handle, record, offset);
        if (read < LogRecord.HeaderSize || !LogRecord.TryReadHeader(record, out var header))
        {
            return null;
        }
        if (header.Length > read)
        {
            Array.Resize(ref record, header.Length);
            read += RandomAccess.Read(handle, record.AsSpan(read), offset + read);
        }
        var payload = record.AsMemory(LogRecord.HeaderSize, header.Length - LogRecord.HeaderSize);
        return read >= header.Length && LogRecord.PayloadMatches(header, payload.Span) ? (header, payload) : null;
    }

    /// <summary><paramref name="count"/> bytes from <paramref name="offset"/>, from the window (refilled when they are not in it).</summary>
    private ReadOnlyMemory<byte> Bytes(long offset, int count)
    {
        if (offset < _windowStart || offset + count > _windowStart + _windowLength)
        {
            if (_window.Length < count)
            {
                _window = new byte[count];
            }
            _windowStart = offset;
            _windowLength = 0;
            int read;
            while (_windowLength < _window.Length && (read = RandomAccess.Read(handle, _window.AsSpan(_windowLength), offset + _windowLength)) > 0)
            {
                _windowLength += read;
            }
        }
        return _window.AsMemory((int)(offset - _windowStart), Math.Min(count, (int)(_windowStart + _windowLength - offset)));
    }

    /// <summary>The offset of the next intact header from <paramref name="from"/> on, or -1.</summary>
    private long NextHeader(long from)
    {
        for (var offset = from; offset + LogRecord.HeaderSize <= _length; offset++)
        {
            if (LogRecord.TryReadHeader(Bytes(offset, LogRecord.HeaderSize).Span, out var record) && offset + record.Length <= _length)
            {
                return offset;
            }
        }
        return -1;
    }

    /// <summary>Whether the rest of the segment from <paramref name="from"/> is zeros (space a file system gave and nobody wrote).</summary>
    private bool IsZeros(long from)
    {
        for (var offset = from; offset < _length; offset += WindowSize)
        {
            if (Bytes(offset, (int)Math.Min(WindowSize, _length - offset)).Span.ContainsAnyExcept((byte)0))
            {
                return false;
            }
        }
        return true;
    }
}
