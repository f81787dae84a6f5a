using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.BlobServer.Storage.SmallObjects;

/// <summary>
/// Where small copies live: append-only segment files (<c>000001.log</c>, …) of records (see
/// <see cref="LogRecord"/>), and an index in memory from id to record. Copies arriving together
/// share one write and one <c>fdatasync</c> (group commit): a copy costs no file of its own, no
/// rename and no directory entry, which is most of what a small copy cost as two files. A copy is
/// acknowledged only once the flush that covers its record has returned, and becomes visible to
/// readers at the same moment. The caller that finds no append in progress does the appending
/// itself, for everything queued until the queue is empty (leader and followers): an idle log
/// costs no hand-over to another thread.
/// </summary>
/// <remarks>
/// <para>
/// At start every segment is read back in order to rebuild the index (see
/// <see cref="SegmentReader"/>): a later record of an id replaces an earlier one, a removal record
/// takes it out, and a record that is not whole and intact (a batch cut short by a crash, or
/// damage) is passed over, at this start and every later one. Appends then go to a new segment,
/// never over what a crash left.
/// </para>
/// <para>
/// A failed flush stops the log for good (until a restart), like the store's other flushes: Linux
/// reports a write-back error once. A failed write (a full disk) refuses its batch only, and the
/// next append starts a new segment. A segment is deleted once it holds no copy the
/// index still points at and every older segment is gone (so a removal record never goes before
/// the copy it removes).
/// </para>
/// </remarks>
internal sealed partial class SmallObjectLog : IDisposable
{
    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly Action<SafeFileHandle> _flush;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly Dictionary<ObjectId, LogEntry> _index = [];
    private readonly SortedDictionary<int, Segment> _segments = [];
    private readonly Lock _queueLock = new();
    private readonly List<PendingAppend> _queue = [];
    private bool _appending;
    private bool _disposed;
    // Set by the leader only: after a start, or after a write that failed (it may have left bytes
    // nobody acknowledged at the end of the active segment), the next append starts a new segment
    // rather than write after what is there.
    private bool _startNewSegment;
    private bool _flushing;
    private int _active;
    private long _end;
    private Exception? _fault;

    /// <param name="directory">The log's folder, already made durably by the store.</param>
    /// <param name="segmentBytes">A segment past this size is closed and the next one started.</param>
    /// <param name="logger">Where recovery and failures are reported.</param>
    /// <param name="flush">Makes a segment's appended bytes durable (<c>fdatasync</c>); tests make it fail.</param>
    public SmallObjectLog(string directory, long segmentBytes, ILogger logger, Action<SafeFileHandle>? flush = null)
    {
        _directory = directory;
        _segmentBytes = segmentBytes;
        _flush = flush ?? Libc.FlushData;
        _logger = logger;
        Recover();
        // The first append starts a new segment: a start writes nothing, so a server whose disk
        // takes no writes still comes up and serves what it holds.
        _active = _segments.Count == 0 ? 0 : _segments.Keys.Max();
        _startNewSegment = true;
    }

    /// <summary>The failure that stopped appends, or null while the log takes them.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>How many copies the index holds.</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _index.Count;
            }
        }
    }

    public bool TryFind(ObjectId id, out LogEntry entry)
    {
        lock (_lock)
        {
            return _index.TryGetValue(id, out entry);
        }
    }

    /// <summary>Every id held, ascending, after <paramref name="after"/>: a snapshot.</summary>
    public List<ObjectId> Ids(ObjectId? after)
    {
        List<ObjectId> ids;
        lock (_lock)
        {
            ids = after is { } from ? [.. _index.Keys.Where(id => id > from)] : [.. _index.Keys];
        }
        ids.Sort();
        return ids;
    }

    /// <summary>The record's <c>.meta</c> bytes; throws <see cref="IOException"/> when its segment cannot be read.</summary>
    public byte[] ReadMetadata(LogEntry entry) => Read(entry.Segment, entry.MetadataOffset, entry.MetadataLength);

    /// <summary>The copy's bytes as they are on disk, unchecked; throws <see cref="IOException"/> when its segment cannot be read.</summary>
    public byte[] ReadData(LogEntry entry) => Read(entry.Segment, entry.DataOffset, entry.DataLength);

    /// <summary>
    /// Appends the copies, all in one write and one flush with whatever else is queued meanwhile,
    /// and returns once they are durable and in the index. A copy whose id the log holds from a
    /// write stamped as late or later is left out (the held copy stays as it is); one held from an
    /// earlier write keeps the held metadata (first write wins) and takes this write's timestamp.
    /// Throws <see cref="StoreFaultedException"/> when the log has stopped.
    /// </summary>
    public Task AppendAsync(IReadOnlyList<LoggedCopy> copies) =>
        copies.Count == 0 ? Task.CompletedTask : Enqueue(new PendingAppend(copies, default, null));

    /// <summary>
    /// Takes <paramref name="id"/> out of the log durably (a removal record), but only while the index
    /// still points at <paramref name="expected"/>: a copy written since stays. Returns whether it was removed.
    /// </summary>
    public async Task<bool> RemoveAsync(ObjectId id, LogEntry expected)
    {
        var pending = new PendingAppend([], id, expected);
        await Enqueue(pending);
        return pending.Removed;
    }

    /// <summary>
    /// For a log that has stopped, so that a copy it must no longer serve is not served: takes
    /// <paramref name="id"/> out of the index while it points at <paramref name="expected"/>, and
    /// notes that very record in <c>forgotten</c>, which recovery passes over. The note is not
    /// flushed (no flush can be trusted any more): it lasts through a restart of the process, as
    /// a rename would, not necessarily through a crash of the machine.
    /// </summary>
    public bool Forget(ObjectId id, LogEntry expected)
    {
        lock (_lock)
        {
            if (!_index.TryGetValue(id, out var current) || current != expected)
            {
                return false;
            }
            Apply(id, null);
        }
        try
        {
            File.AppendAllText(Path.Combine(_directory, StoreLayout.ForgottenFile), string.Create(CultureInfo.InvariantCulture, $"{expected.Segment} {expected.Offset}\n"));
        }
        catch (IOException ex)
        {
            LogNotNoted(_logger, id, ex);
        }
        return true;
    }

    public void Dispose()
    {
        lock (_queueLock)
        {
            _disposed = true;
        }
        // An append in progress finishes first: its records are flushed and answered.
        SpinWait.SpinUntil(() =>
        {
            lock (_queueLock)
            {
                return !_appending;
            }
        });
        lock (_lock)
        {
            foreach (var segment in _segments.Values)
            {
                segment.Handle.Dispose();
            }
            _segments.Clear();
        }
    }

    private Task Enqueue(PendingAppend pending)
    {
        if (Fault is { } fault)
        {
            return Task.FromException(new StoreFaultedException(fault));
        }
        lock (_queueLock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _queue.Add(pending);
            if (_appending)
            {
                // The leader takes it into its next cycle.
                return pending.Done.Task;
            }
            _appending = true;
        }
        AppendWhileQueued();
        return pending.Done.Task;
    }

    /// <summary>The leader's work: cycles of every append queued by then, each one write and one flush, until none is left.</summary>
    private void AppendWhileQueued()
    {
        while (true)
        {
            List<PendingAppend> cycle;
            lock (_queueLock)
            {
                if (_queue.Count == 0)
                {
                    _appending = false;
                    return;
                }
                cycle = [.. _queue];
                _queue.Clear();
            }
            if (Fault is { } fault)
            {
                cycle.ForEach(pending => pending.Done.TrySetException(new StoreFaultedException(fault)));
                continue;
            }
            try
            {
                Append(cycle);
            }
            catch (Exception ex) when (!_flushing)
            {
                // Not written (a full disk, say): nothing of it is acknowledged or in the index, and
                // the records already flushed are as durable as they were. The log goes on.
                LogWriteFailed(_logger, ex);
                _startNewSegment = true;
                cycle.ForEach(pending => pending.Done.TrySetException(ex));
                continue;
            }
            catch (Exception ex)
            {
                // The flush failed: nothing this cycle wrote is acknowledged, and since Linux reports
                // a write-back error once, no later flush could vouch for these bytes. Stop for good.
                _flushing = false;
                if (Interlocked.CompareExchange(ref _fault, ex, null) is null)
                {
                    LogStopped(_logger, ex);
                }
                cycle.ForEach(pending => pending.Done.TrySetException(new StoreFaultedException(ex)));
                continue;
            }
            cycle.ForEach(pending => pending.Done.TrySetResult());
        }
    }

    private byte[] Read(int segment, long offset, int length)
    {
        SafeFileHandle handle;
        lock (_lock)
        {
            if (!_segments.TryGetValue(segment, out var held))
            {
                throw new IOException($"Log segment {segment} is gone.");
            }
            handle = held.Handle;
        }
        var bytes = new byte[length];
        try
        {
            if (RandomAccess.Read(handle, bytes, offset) != length)
            {
                throw new IOException($"Log segment {segment} ends before the record at {offset}.");
            }
        }
        catch (ObjectDisposedException ex)
        {
            throw new IOException($"Log segment {segment} is gone.", ex);
        }
        return bytes;
    }

    private void Append(List<PendingAppend> cycle)
    {
        var upperBound = cycle.Sum(pending => pending.Copies.Sum(copy => (long)LogRecord.SizeOf(copy.Metadata.Length, copy.Data.Length)) + (pending.Copies.Count == 0 ? LogRecord.HeaderSize : 0));
        if (_startNewSegment || (_end > 0 && _end + upperBound > _segmentBytes))
        {
            StartSegment(_active + 1);
            _startNewSegment = false;
        }
        // Pooled: a new array of a batch's size was zeroed, and, past 85 KB, taken fresh from the
        // system page by page, in every cycle.
        var buffer = ArrayPool<byte>.Shared.Rent(checked((int)upperBound));
        try
        {
            AppendInto(cycle, buffer);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The records of <paramref name="cycle"/>, written through <paramref name="buffer"/> with one write and one flush, then applied to the index.</summary>
    private void AppendInto(List<PendingAppend> cycle, byte[] buffer)
    {
        var length = 0;
        // What this cycle's records will make of the index: an id appended twice in one cycle is
        // decided against the first of them, as if they had come in two cycles.
        var planned = new Dictionary<ObjectId, (LogEntry? Entry, byte[]? Metadata)>();
        var removals = new List<PendingAppend>();
        foreach (var pending in cycle)
        {
            if (pending.Copies.Count == 0)
            {
                var current = planned.TryGetValue(pending.RemoveId, out var seen) ? seen.Entry : TryFind(pending.RemoveId, out var found) ? found : null;
                if (current != pending.Expected)
                {
                    continue;
                }
                length += LogRecord.Write(buffer.AsSpan(length), LogRecord.RemovalKind, pending.RemoveId, pending.Expected!.Value.Stamp, [], []);
                planned[pending.RemoveId] = (null, null);
                removals.Add(pending);
                continue;
            }
            foreach (var copy in pending.Copies)
            {
                var metadata = copy.Metadata;
                var (held, heldMetadata) = planned.TryGetValue(copy.Id, out var seen) ? seen : TryFind(copy.Id, out var found) ? (found, null) : ((LogEntry?)null, null);
                if (held is { } earlier)
                {
                    if (earlier.Stamp >= copy.Stamp)
                    {
                        continue;
                    }
                    metadata = heldMetadata ?? ReadMetadata(earlier);
                }
                var entry = new LogEntry(_active, _end + length, metadata.Length, copy.Data.Length, copy.Stamp);
                length += LogRecord.Write(buffer.AsSpan(length), LogRecord.CopyKind, copy.Id, copy.Stamp, metadata, copy.Data.Span);
                planned[copy.Id] = (entry, metadata);
            }
        }
        if (length == 0)
        {
            return;
        }
        var segment = _segments[_active];
        var started = Stopwatch.GetTimestamp();
        RandomAccess.Write(segment.Handle, buffer.AsSpan(0, length), _end);
        _flushing = true;
        _flush(segment.Handle);
        _flushing = false;
        BlobServerTelemetry.CommitFlushDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        BlobServerTelemetry.CommitBatchSize.Record(planned.Count);
        lock (_lock)
        {
            _end += length;
            foreach (var (id, (entry, _)) in planned)
            {
                Apply(id, entry);
            }
        }
        removals.ForEach(pending => pending.Removed = true);
        DeleteDeadSegments();
    }

    /// <summary>Points the index at <paramref name="entry"/> (null: takes the id out), keeping each segment's count of live bytes.</summary>
    private void Apply(ObjectId id, LogEntry? entry)
    {
        if (_index.Remove(id, out var old))
        {
            _segments[old.Segment].Live -= old.RecordLength;
        }
        if (entry is { } added)
        {
            _index[id] = added;
            _segments[added.Segment].Live += added.RecordLength;
        }
    }

    /// <summary>Deletes the oldest segments while they hold nothing live (never the one being written).</summary>
    private void DeleteDeadSegments()
    {
        while (true)
        {
            string path;
            lock (_lock)
            {
                if (_segments.Count == 0)
                {
                    return;
                }
                var (oldest, segment) = _segments.First();
                if (oldest == _active || segment.Live > 0)
                {
                    return;
                }
                _segments.Remove(oldest);
                segment.Handle.Dispose();
                path = PathOf(oldest);
            }
            try
            {
                File.Delete(path);
                LogSegmentDeleted(_logger, path);
            }
            catch (IOException ex)
            {
                // Nothing in it is live: left in place, it is read again (and deleted) at the next start.
                LogSegmentNotDeleted(_logger, path, ex);
            }
        }
    }

    private void StartSegment(int number)
    {
        // A file of this number that the index does not know was made by a start of a segment
        // that failed before any record went into it (recovery knows every earlier one): empty.
        var handle = File.OpenHandle(PathOf(number), FileMode.Create, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            // The new segment's name must survive a crash before any record in it is acknowledged.
            FsyncCommitter.FlushDirectory(_directory);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        lock (_lock)
        {
            _segments[number] = new Segment(handle);
            _active = number;
            _end = 0;
        }
    }

    private string PathOf(int number) => StoreLayout.SegmentPath(_directory, number);

    /// <summary>Rebuilds the index from the segments on disk, oldest first.</summary>
    private void Recover()
    {
        var forgotten = ReadForgotten();
        foreach (var number in StoreLayout.Segments(_directory))
        {
            var path = PathOf(number);
            var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            _segments[number] = new Segment(handle);
            var reader = new SegmentReader(handle);
            var records = 0;
            foreach (var (offset, record) in reader.Records())
            {
                if (forgotten.Contains((number, offset)))
                {
                    continue;
                }
                Apply(record.Id, record.Kind == LogRecord.CopyKind
                    ? new LogEntry(number, offset, record.MetadataLength, record.DataLength, record.Stamp)
                    : null);
                records++;
            }
            if (reader.Skipped > 0)
            {
                LogSegmentDamaged(_logger, path, reader.Skipped);
            }
            LogSegmentRead(_logger, path, records);
        }
        // Segments that hold nothing live (every copy in them removed or written again later) go
        // at once, oldest first; _active is 0 here, no segment's number.
        DeleteDeadSegments();
    }

    /// <summary>The records <see cref="Forget"/> noted, by segment and offset.</summary>
    private HashSet<(int Segment, long Offset)> ReadForgotten()
    {
        var path = Path.Combine(_directory, StoreLayout.ForgottenFile);
        var forgotten = new HashSet<(int, long)>();
        if (!File.Exists(path))
        {
            return forgotten;
        }
        foreach (var line in File.ReadAllLines(path))
        {
            var parts = line.Split(' ');
            if (parts.Length == 2 && int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var segment)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var offset))
            {
                forgotten.Add((segment, offset));
            }
        }
        return forgotten;
    }

    /// <summary>An open segment and how many bytes of it the index points at.</summary>
    private sealed class Segment(SafeFileHandle handle)
    {
        public SafeFileHandle Handle { get; } = handle;

        public long Live { get; set; }
    }

    /// <summary>One caller's copies to append, or one removal (no copies), and its answer.</summary>
    private sealed class PendingAppend(IReadOnlyList<LoggedCopy> copies, ObjectId removeId, LogEntry? expected)
    {
        public IReadOnlyList<LoggedCopy> Copies { get; } = copies;

        public ObjectId RemoveId { get; } = removeId;

        public LogEntry? Expected { get; } = expected;

        public bool Removed { get; set; }

        // Followers continue on the pool, never inside the leader's cycle.
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(Level = LogLevel.Critical, Message = "A flush of the small-object log failed: this blob server takes no writes until it is restarted")]
    private static partial void LogStopped(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not note that {ObjectId} was taken out of the stopped log; after a restart its copy is back until it is removed again")]
    private static partial void LogNotNoted(ILogger logger, ObjectId objectId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "A write to the small-object log failed; the copies in it were refused")]
    private static partial void LogWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Read {Records} records from {Segment}")]
    private static partial void LogSegmentRead(ILogger logger, string segment, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Segment} holds {Skipped} records or runs of bytes that are not whole and intact (a write cut short by a stop, or damage); they were passed over, every intact record is kept")]
    private static partial void LogSegmentDamaged(ILogger logger, string segment, int skipped);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete {Segment}, in which nothing is live")]
    private static partial void LogSegmentNotDeleted(ILogger logger, string segment, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {Segment}: every copy in it was removed or written again later")]
    private static partial void LogSegmentDeleted(ILogger logger, string segment);
}
