using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;

namespace Sos.Core.Storage;

/// <summary>
/// This process's segment in one blob server's inbox (see <see cref="StoreLayout.InboxFolder"/>):
/// small copies written straight to the server's disk, one write and one flush per batch, for the
/// server to adopt into its log. A copy is durable when <see cref="Append"/> returns (or
/// <see cref="Flush"/>, after <see cref="Write"/>), as it is when a server answers a batched write;
/// the server finds it from then on (it adopts what its inbox holds before it says it lacks an id).
/// </summary>
/// <remarks>
/// <para>
/// The segment is held with a shared lock for as long as this writer may append to it, so the
/// server deletes it only once this writer has let it go and everything in it is adopted. A new
/// segment is started past <c>segmentBytes</c>, and after a write that failed (it may have left
/// bytes nobody acknowledged at its end; the server passes over a record that is not whole).
/// </para>
/// <para>
/// A flush that fails stops the writer for good, as it stops a blob server's log: Linux reports a
/// write-back error once, so no later flush could vouch for the bytes. <see cref="IsOpen"/> is then
/// false, and copies go to the server over HTTP.
/// </para>
/// </remarks>
public sealed class InboxWriter : IDisposable
{
    /// <summary>How long an answer of <see cref="IsOpen"/> is trusted: trying the server's lock costs a failed open of its file.</summary>
    private static readonly TimeSpan OpenCheckInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _directory;
    private readonly long _segmentBytes;
    private readonly Action<SafeFileHandle> _flush;
    private readonly Func<string, FileSystemFlush?>? _fileSystemOf;
    // Asked for when the first segment is started, once the server has made its inbox.
    private FileSystemFlush? _fileSystem;
    private bool _fileSystemAsked;
    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    // Apart from the appends' lock: every upload asks whether the inbox is open, and none should
    // wait for a flush in progress to be told.
    private readonly Lock _openLock = new();
    private long _openCheckedAt = long.MinValue;
    private bool _open;
    private SafeFileHandle? _segment;
    private long _end;
    // The last write not flushed yet, by its ticket from the shared flush (1 where there is none); 0 when all are.
    private long _unflushed;
    private Exception? _fault;
    private bool _disposed;

    /// <param name="root">The server's data directory.</param>
    /// <param name="segmentBytes">A segment past this size is let go and the next one started.</param>
    /// <param name="flush">Makes a segment's appended bytes durable; tests make it fail.</param>
    /// <param name="time">The clock for <see cref="IsOpen"/>'s checks.</param>
    /// <param name="fileSystemOf">
    /// The flush this writer shares with the other writers on the file system of a folder (its
    /// inbox), which flushes all of their writes at once, or null where there is none: asked once,
    /// when the first segment is started. Without one, the segment is flushed with <paramref name="flush"/>.
    /// </param>
    public InboxWriter(string root, long segmentBytes = 16 * 1024 * 1024, Action<SafeFileHandle>? flush = null, TimeProvider? time = null, Func<string, FileSystemFlush?>? fileSystemOf = null)
    {
        _fileSystemOf = fileSystemOf;
        _directory = Path.Combine(root, StoreLayout.InboxFolder);
        _segmentBytes = segmentBytes;
        _flush = flush ?? RandomAccess.FlushToDisk;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The failed flush that stopped this writer, or null while it writes.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>
    /// Whether copies may go to this inbox: the server holds it open (it runs, and takes writes)
    /// and this writer has not stopped. Checked at most every tenth of a second; a server that
    /// stops meanwhile adopts what it was given when it starts again, so a late answer loses nothing.
    /// </summary>
    public bool IsOpen
    {
        get
        {
            lock (_openLock)
            {
                if (Volatile.Read(ref _fault) is not null || Volatile.Read(ref _disposed))
                {
                    return false;
                }
                var now = _time.GetTimestamp();
                if (_time.GetElapsedTime(_openCheckedAt, now) >= OpenCheckInterval || _openCheckedAt == long.MinValue)
                {
                    _open = ServerHoldsOpen();
                    _openCheckedAt = now;
                }
                return _open;
            }
        }
    }

    /// <summary>
    /// Appends the copies in one write and one flush, and returns once they are durable. Throws
    /// <see cref="IOException"/> when they are not (none of them is then acknowledged).
    /// </summary>
    public void Append(IReadOnlyList<InboxCopy> copies)
    {
        Write(copies);
        Flush();
    }

    /// <summary>
    /// Appends the copies in one write, not yet durable: <see cref="Flush"/> makes them so, with
    /// whatever else was written on the file system meanwhile where the flush is shared. Throws
    /// <see cref="IOException"/> when they were not written (or this writer has stopped).
    /// </summary>
    public void Write(IReadOnlyList<InboxCopy> copies)
    {
        var metadata = copies.Select(copy =>
        {
            var sums = new ChunkSums.Builder();
            sums.Append(copy.Bytes.Span);
            return MetadataFile.Serialize(WithTraceParent(copy), sums.Build());
        }).ToArray();
        var records = new byte[copies.Select((copy, i) => LogRecord.SizeOf(metadata[i].Length, copy.Bytes.Length)).Sum()];
        var length = 0;
        for (var i = 0; i < copies.Count; i++)
        {
            length += LogRecord.Write(records.AsSpan(length), LogRecord.CopyKind, copies[i].Id, copies[i].Stamp, metadata[i], copies[i].Bytes.Span);
        }
        lock (_lock)
        {
            ThrowIfStopped();
            if (_segment is null || _end + length > _segmentBytes)
            {
                // What the segment let go holds is flushed first: its handle goes with it.
                FlushWritten();
                StartSegment();
            }
            try
            {
                RandomAccess.Write(_segment!, records.AsSpan(0, length), _end);
            }
            catch (IOException)
            {
                // Not written (a full disk, say): what it left at the end is passed over by the
                // server. What was written before it is flushed first, as it was acknowledged to no one yet.
                FlushWritten();
                LetGo();
                throw;
            }
            _end += length;
            _unflushed = _fileSystem?.Wrote() ?? 1;
        }
    }

    /// <summary>
    /// Returns once everything <see cref="Write"/> wrote is durable. A flush that fails stops this
    /// writer for good, and throws <see cref="IOException"/>.
    /// </summary>
    public void Flush()
    {
        lock (_lock)
        {
            ThrowIfStopped();
            FlushWritten();
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            Volatile.Write(ref _disposed, true);
            LetGo();
        }
    }

    /// <summary>The metadata a copy's record holds: its own, and the trace context of its upload (see <see cref="StoreLayout.InboxTraceParent"/>).</summary>
    private static IReadOnlyDictionary<string, string> WithTraceParent(InboxCopy copy) =>
        copy.TraceParent is { } traceParent
            ? new Dictionary<string, string>(copy.Metadata) { [StoreLayout.InboxTraceParent] = traceParent }
            : copy.Metadata;


    /// <summary>
    /// Whether the server holds its lock on the inbox's <c>open</c> file: an exclusive lock cannot
    /// be had. The file is opened for the check only, and closed at once: a handle kept open would
    /// hold a lock of its own (.NET takes one when it opens a file) and fail other writers' checks.
    /// </summary>
    private bool ServerHoldsOpen()
    {
        SafeFileHandle file;
        try
        {
            // FileShare.None: .NET's own lock at open is exclusive, and fails while the server holds its shared one.
            file = File.OpenHandle(Path.Combine(_directory, StoreLayout.InboxOpenFile), FileMode.Open, FileAccess.Read, FileShare.None);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false; // no inbox: a server that has none, or has never started
        }
        catch (IOException)
        {
            return true;
        }
        using (file)
        {
            // Where .NET takes no lock of its own (a setting turns it off), this one decides.
            return !FileLock.TryExclusive(file);
        }
    }

    private void StartSegment()
    {
        LetGo();
        var path = Path.Combine(_directory, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)) + StoreLayout.SegmentSuffix);
        var segment = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        try
        {
            if (!FileLock.TryShared(segment))
            {
                throw new IOException($"Could not lock the new inbox segment {path}.");
            }
            // The segment's name must survive a crash before any copy in it is acknowledged.
            DirectorySync.Flush(_directory);
            if (!_fileSystemAsked)
            {
                _fileSystem = _fileSystemOf?.Invoke(_directory);
                _fileSystemAsked = true;
            }
        }
        catch
        {
            segment.Dispose();
            throw;
        }
        _segment = segment;
        _end = 0;
    }

    private void ThrowIfStopped()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_fault is { } fault)
        {
            throw new IOException("This inbox writer stopped after a failed flush.", fault);
        }
    }

    /// <summary>Flushes what was written and not yet flushed; under the appends' lock.</summary>
    private void FlushWritten()
    {
        if (_unflushed == 0)
        {
            return;
        }
        try
        {
            if (_fileSystem is { } shared)
            {
                shared.Flush(_unflushed);
            }
            else
            {
                _flush(_segment!);
            }
        }
        catch (Exception ex)
        {
            Volatile.Write(ref _fault, ex);
            LetGo();
            throw new IOException("A flush of the inbox failed; this writer takes no more copies.", ex);
        }
        _unflushed = 0;
    }

    /// <summary>Closes the segment (its lock goes with it): the server adopts what is in it and deletes it.</summary>
    private void LetGo()
    {
        _segment?.Dispose();
        _segment = null;
        _end = 0;
    }
}
