using Microsoft.Win32.SafeHandles;
using Sos.Core.Objects;

namespace Sos.Core.Storage;

/// <summary>
/// A blob server's small-object log followed from outside the server, read-only: an index from id
/// to the latest record of it, brought up to date with what was appended to the segment the server
/// writes before a lookup of an id it does not hold, and with everything else (removals, a new
/// segment) at least every tenth of a second; or, where its folder is watched (see
/// <see cref="FolderWatcher"/>), before any lookup once the log changed, and not otherwise.
/// A record read through it has passed both of its sums and names the id asked for; anything else
/// (an id not in the index, a record that fails, a log this reader cannot follow) is answered
/// null, and the caller asks the server.
/// </summary>
/// <remarks>
/// <para>
/// The server appends to its newest segment only, in batches of whole records, and starts a new
/// segment after a start or a failed write. So the newest segment is read up to its first record
/// that is not whole and intact yet (a batch being written), and once a newer segment exists, the
/// rest of the older one is read as the server's own start reads it (see <see cref="SegmentReader"/>).
/// </para>
/// <para>
/// The index is built on a thread of its own when the follower starts: until it has read the whole
/// log, every lookup is answered null. It keys records by the first 8 bytes of the id and keeps
/// the segment and offset in 8 more, about 30 bytes a copy: two ids that share those bytes cost
/// the one not indexed a lookup through its server, never a wrong answer, since every read checks
/// the id in the record. A log with <see cref="StoreLayout.ForgottenFile"/> (its server stopped
/// taking writes and took copies out of service without a record) is not followed at all.
/// </para>
/// </remarks>
public sealed class LogFollower : IDisposable
{
    // An index entry: the segment's number above the record's offset in it (segments up to 1 TiB).
    private const int OffsetBits = 40;
    private const long OffsetMask = (1L << OffsetBits) - 1;

    /// <summary>How long a lookup of an indexed id may go without reading what the log has appended since (a removal), in milliseconds.</summary>
    private const long CatchUpInterval = 100;

    private readonly string _directory;
    private readonly FolderWatch? _changes;
    private readonly Lock _lock = new();
    private readonly Dictionary<ulong, long> _index = [];
    private readonly Dictionary<int, Segment> _segments = [];
    private bool _disposed;
    private int _newest;
    // Which file the newest segment is (null where that cannot be told), so that a log replaced
    // under the same names is told from the one that was read.
    private FileIdentity? _newestIdentity;
    private long _readTo;
    private long _caughtUpAt;
    // The log folder's count of changes when it was last read, while it is watched.
    private long? _readAtChange;

    /// <summary>
    /// Starts following the log in <paramref name="directory"/> (a server's <see cref="StoreLayout.LogFolder"/>).
    /// With <paramref name="changes"/> (that folder's watch), the log is read again when it changed,
    /// as of the watcher's last drain, and only then; without it, or while it is not watched, at
    /// every lookup of an id not indexed and at least every <see cref="CatchUpInterval"/>.
    /// </summary>
    public LogFollower(string directory, FolderWatch? changes = null)
    {
        _directory = directory;
        _changes = changes;
        Ready = Task.Run(() =>
        {
            lock (_lock)
            {
                CatchUp();
            }
        });
    }

    /// <summary>Completes once the log there was at the start has been read; lookups before then are answered null.</summary>
    public Task Ready { get; }

    /// <summary>The latest copy of <paramref name="id"/> in the log, checked against its sums; null when the server must be asked.</summary>
    public LoggedCopyRead? Find(ObjectId id)
    {
        if (!Ready.IsCompletedSuccessfully)
        {
            return null;
        }
        SafeFileHandle handle;
        long offset;
        lock (_lock)
        {
            // An id not indexed may have been appended since; one that is was, and the log is read
            // again at least every CatchUpInterval for what removed or replaced it since.
            var found = _index.TryGetValue(id.Prefix, out var place);
            if (_changes?.Changed is { } changed)
            {
                // Watched: read again exactly when the log's folder or a segment in it changed
                // since the last read, so nothing finished before the caller's drain is missed. A
                // read that fails or throws leaves the count as it was, so the next lookup reads again.
                if (changed != _readAtChange)
                {
                    if (!CatchUp())
                    {
                        return null;
                    }
                    _readAtChange = changed;
                    found = _index.TryGetValue(id.Prefix, out place);
                }
            }
            else if (Environment.TickCount64 - _caughtUpAt >= CatchUpInterval || _newest == 0)
            {
                if (!CatchUp())
                {
                    return null;
                }
                _caughtUpAt = Environment.TickCount64;
                found = _index.TryGetValue(id.Prefix, out place);
            }
            else if (!found)
            {
                // What the server appended since, to the segment it writes: one read. Its next
                // segment, and a `forgotten` file, are looked for at the interval (a copy written to
                // a segment begun meanwhile is read through the server until then).
                ReadNewest();
                found = _index.TryGetValue(id.Prefix, out place);
            }
            if (!found || !_segments.TryGetValue(SegmentOf(place), out var segment))
            {
                return null;
            }
            handle = segment.Handle;
            offset = place & OffsetMask;
        }
        try
        {
            return Read(handle, offset, id);
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException)
        {
            // Its segment was closed since (nothing in it is live any more), or cannot be read.
            return null;
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            foreach (var segment in _segments.Values)
            {
                segment.Handle.Dispose();
            }
            _segments.Clear();
            _index.Clear();
        }
    }

    private static LoggedCopyRead? Read(SafeFileHandle handle, long offset, ObjectId id) =>
        SegmentReader.ReadRecord(handle, offset) is var (header, payload) && header.Kind == LogRecord.CopyKind && header.Id == id
            ? new LoggedCopyRead(header.Stamp, payload[..header.MetadataLength], payload[header.MetadataLength..])
            : null;

    private static int SegmentOf(long place) => (int)(place >> OffsetBits);

    /// <summary>Reads what was appended since the last call; false when the log cannot be followed (the caller asks the server).</summary>
    private bool CatchUp()
    {
        if (_disposed || File.Exists(Path.Combine(_directory, StoreLayout.ForgottenFile)))
        {
            return false;
        }
        if (_newest == 0)
        {
            // The first call: every segment there is, oldest first.
            foreach (var number in StoreLayout.Segments(_directory))
            {
                if (_newest > 0)
                {
                    FinishNewest();
                }
                Open(number);
            }
            if (_newest == 0)
            {
                return true; // no log yet: nothing in it
            }
        }
        ReadNewest();
        while (true)
        {
            var newest = StoreLayout.SegmentPath(_directory, _newest);
            var identity = FileIdentity.Of(newest);
            if (identity == _newestIdentity && (identity is not null || File.Exists(newest)))
            {
                if (!File.Exists(StoreLayout.SegmentPath(_directory, _newest + 1)))
                {
                    return true; // the one the server writes to
                }
                // The server writes no more to this one: the rest of it is read as a start would
                // read it, then the next.
                FinishNewest();
                Open(_newest + 1);
                ReadNewest();
            }
            else if (!File.Exists(newest) && StoreLayout.Segments(_directory).FirstOrDefault(number => number > _newest) is var next and > 0)
            {
                // Deleted since it was read, with every older one and maybe later ones: the server
                // deletes a segment only once nothing in it is live, so nothing up to it is.
                ForgetUpTo(_newest);
                Open(next);
                ReadNewest();
            }
            else
            {
                // Another file under its name, or no segment from it on: the log was emptied or
                // replaced (a store wiped and started afresh numbers its segments from 1 again).
                // Nothing read so far is live; the next lookup reads the log from its start.
                ForgetUpTo(int.MaxValue);
                _newest = 0;
                return true;
            }
        }
    }

    /// <summary>Takes every record in segments up to <paramref name="number"/> out of the index, and closes those segments.</summary>
    private void ForgetUpTo(int number)
    {
        foreach (var (key, _) in _index.Where(entry => SegmentOf(entry.Value) <= number).ToList())
        {
            _index.Remove(key);
        }
        foreach (var old in _segments.Keys.Where(segment => segment <= number).ToList())
        {
            Close(old);
        }
    }

    private void Open(int number)
    {
        _newest = number;
        _newestIdentity = null;
        _readTo = 0;
        try
        {
            var handle = File.OpenHandle(StoreLayout.SegmentPath(_directory, number), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _segments[number] = new Segment(handle);
            _newestIdentity = FileIdentity.Of(handle);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            // Deleted by its server since it was listed: nothing in it was live.
        }
    }

    /// <summary>The newest segment's whole, intact records from where reading stopped, up to the first that is not (yet).</summary>
    private void ReadNewest()
    {
        if (!_segments.TryGetValue(_newest, out var segment))
        {
            return;
        }
        foreach (var (offset, header) in SegmentReader.WholeHeaders(segment.Handle, _readTo))
        {
            Apply(header, _newest, offset);
            _readTo = offset + header.Length;
        }
    }

    /// <summary>The rest of the newest segment, now that its server writes to a newer one, read as its server's start reads it.</summary>
    private void FinishNewest()
    {
        if (!_segments.TryGetValue(_newest, out var segment))
        {
            return;
        }
        foreach (var (offset, header) in new SegmentReader(segment.Handle).Records(_readTo))
        {
            Apply(header, _newest, offset);
        }
        if (segment.Live == 0)
        {
            Close(_newest);
        }
    }

    /// <summary>Points the index at a copy's record, or takes a removed id out, keeping each segment's count of live records.</summary>
    private void Apply(LogRecordHeader header, int number, long offset)
    {
        var key = header.Id.Prefix;
        if (_index.Remove(key, out var old) && _segments.TryGetValue(SegmentOf(old), out var held) && --held.Live == 0 && SegmentOf(old) != _newest)
        {
            Close(SegmentOf(old));
        }
        if (header.Kind == LogRecord.CopyKind && _segments.TryGetValue(number, out var segment))
        {
            _index[key] = ((long)number << OffsetBits) | offset;
            segment.Live++;
        }
    }

    private void Close(int number)
    {
        if (_segments.Remove(number, out var segment))
        {
            segment.Handle.Dispose();
        }
    }

    /// <summary>An open segment and how many index entries point into it.</summary>
    private sealed class Segment(SafeFileHandle handle)
    {
        public SafeFileHandle Handle { get; } = handle;

        public int Live { get; set; }
    }
}
