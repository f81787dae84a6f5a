using Microsoft.Win32.SafeHandles;
using Sos.Core.Objects;

namespace Sos.Core.Storage;

/// <summary>
/// Reads one segment back at start, every record whole and checked against both its sums. A
/// record whose header is intact but whose bytes fail their sum (a batch cut short by a crash, or
/// damage) is passed over, and reading goes on after it. Bytes that are no record at all are passed
/// over up to the next intact header; since such a header could lie inside a damaged record's
/// bytes, which anyone could have uploaded, a copy found after one must hash to its id, and a
/// removal found there is not trusted.
/// </summary>
public sealed class SegmentReader(SafeFileHandle handle)
{
    private const int WindowSize = 1024 * 1024;

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
