using System.Diagnostics;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;
using Sos.Core.Objects;
using Sos.Core.Storage;

namespace Sos.BlobServer.Storage;

/// <summary>
/// Adopts into the store's small-object log the small copies that an upload API on this machine
/// wrote straight to this server's inbox (<see cref="StoreLayout.InboxFolder"/>) instead of
/// sending them over HTTP.
/// </summary>
/// <remarks>
/// <para>
/// Each writer appends records, in the log's format, to segments of its own, holds a lock on the
/// one it may append to, and acknowledges an upload once its batch is flushed. The records are
/// stored through the path a batch from HTTP takes (the tombstone, the hash, first write wins),
/// but never refused for space: an adopted copy is already durable on this disk and acknowledged,
/// and refusing it would lose it. A copy the store refuses for good (deleted later, bytes that are
/// not its id's) is dropped; one it cannot take now (its writes stopped) stays in the inbox.
/// </para>
/// <para>
/// A segment whose lock can be taken has no writer any more: it is read to its end, passing over
/// a write cut short by its writer's stop, adopted, and deleted. Nothing records how far a segment
/// was adopted: after a restart everything still in the inbox is adopted again, which changes
/// nothing, since the log leaves out a copy whose id it holds from a write stamped as late or
/// later, and a tombstone refuses the copies its delete outdates.
/// </para>
/// <para>
/// Writers write to the inbox only while this adopter holds its lock on the inbox's
/// <see cref="StoreLayout.InboxOpenFile"/>: taken once what the inbox held at start is adopted,
/// and held only while the store takes writes, so that uploads go over HTTP, and get its answers,
/// while it does not. The locks are <c>flock</c> locks (<see cref="FileLock"/>), as writers take
/// them: held by an open file rather than by a process, so one process cannot mistake its own lock
/// for another's.
/// </para>
/// <para>
/// The inbox is looked at every <see cref="BlobStoreOptions.InboxInterval"/>, and before the store
/// answers that it lacks an id (see <see cref="BlobStore.Inbox"/>), since an upload may have been
/// acknowledged a moment before. A look costs little when nothing is new: the folder's modification
/// time and one <c>fstat</c> per segment followed. One adoption runs at a time; a lookup that finds
/// something new waits for it.
/// </para>
/// </remarks>
public sealed partial class InboxAdopter : IHostedService, IDisposable
{
    private const int BatchRecords = 256;
    private const int BatchBytes = 4 * 1024 * 1024;

    /// <summary>
    /// A folder's modification time comes from a clock that may lag the precise one by a tick, so a
    /// change made just after a listing may leave it as it was. A listing made within this of the
    /// folder's last change is not trusted to be current.
    /// </summary>
    private static readonly TimeSpan ListingMargin = TimeSpan.FromMilliseconds(100);

    /// <summary>An empty segment younger than this may be a writer's that has not locked it yet.</summary>
    private static readonly TimeSpan EmptySegmentGrace = TimeSpan.FromMinutes(1);

    private readonly BlobStore _store;
    private readonly BlobStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<InboxAdopter> _logger;
    private readonly string _directory;

    // One adoption at a time, a cycle's or a lookup's: both move the segments' offsets on.
    private readonly SemaphoreSlim _gate = new(1, 1);

    // True in the flow of an adoption: a lookup the store makes within it must not wait for it.
    private readonly AsyncLocal<bool> _adopting = new();

    // Replaced whole, under the gate; read without it by the lookups' cheap look.
    private InboxSegment[] _segments = [];
    private Listing? _listing;
    private SafeFileHandle? _open;
    private bool _refusalLogged;
    private bool _disposed;
    private CancellationTokenSource? _stopping;
    private Task _cycles = Task.CompletedTask;

    public InboxAdopter(BlobStore store, IOptions<BlobStoreOptions> options, TimeProvider time, ILogger<InboxAdopter> logger)
    {
        _store = store;
        _options = options.Value;
        _time = time;
        _logger = logger;
        _directory = Path.Combine(store.Root, StoreLayout.InboxFolder);
    }

    /// <summary>Whether writers may write to the inbox: this adopter holds its lock on <see cref="StoreLayout.InboxOpenFile"/>.</summary>
    public bool IsOpen => Volatile.Read(ref _open) is not null;

    /// <summary>
    /// Makes the inbox, adopts what it holds, and opens it, before the server serves: a copy
    /// acknowledged before a restart is found from the first request on.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _store.CreateInbox();
        await TryCycleAsync(cancellationToken);
        _store.Inbox = this;
        _stopping = new CancellationTokenSource();
        _cycles = RunCyclesAsync(_stopping.Token);
    }

    /// <summary>Stops looking and closes the inbox: what writers add from now on is adopted at the next start.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_stopping is { } stopping)
        {
            await stopping.CancelAsync();
        }
        await _cycles.WaitAsync(cancellationToken);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            Close();
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Stops looking, closes the inbox and the segments. Called twice by the host (as the singleton, and as the hosted service); the second call does nothing.</summary>
    public void Dispose()
    {
        var stopping = Interlocked.Exchange(ref _stopping, null);
        stopping?.Cancel();
        _cycles.GetAwaiter().GetResult();
        stopping?.Dispose();
        _gate.Wait();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            if (_store.Inbox == this)
            {
                _store.Inbox = null;
            }
            Close();
            foreach (var segment in _segments)
            {
                segment.Dispose();
            }
            _segments = [];
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Adopts what the inbox holds that has not been adopted yet, when anything is new (and the
    /// store can take it); true when something was, by this call or one it waited for. Made before
    /// the store answers that it lacks an id, so it waits: that answer must count every copy
    /// acknowledged before it was asked.
    /// </summary>
    internal bool CatchUp() => MayHoldNew() && AdoptNewAsync(CancellationToken.None).GetAwaiter().GetResult();

    /// <summary>As <see cref="CatchUp"/>, for a caller that can wait without holding a thread.</summary>
    internal async Task<bool> CatchUpAsync(CancellationToken cancellationToken) => MayHoldNew() && await AdoptNewAsync(cancellationToken);

    /// <summary>Waits for the adoption in progress, if any, then adopts what is still new; true: the caller looks again.</summary>
    private async Task<bool> AdoptNewAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (!_disposed && HasNew())
            {
                await AdoptAsync(tidy: false);
            }
        }
        catch (IOException ex)
        {
            // The store answers from what it holds; what could not be read stays for the next cycle.
            LogCycleFailed(_logger, ex);
        }
        finally
        {
            _gate.Release();
        }
        return true;
    }

    /// <summary>
    /// One cycle: adopts what is new, takes over and deletes the segments whose writers let them go
    /// once every record in them is taken, and holds the inbox open only while the store takes writes.
    /// </summary>
    internal async Task CycleAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            await AdoptAsync(tidy: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task RunCyclesAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.InboxInterval, _time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TryCycleAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task TryCycleAsync(CancellationToken cancellationToken)
    {
        try
        {
            await CycleAsync(cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            // Nothing is lost: what was not adopted stays in the inbox for the next cycle. The
            // cycles go on whatever failed: without them the inbox would stay open, and finished
            // segments would never go.
            LogCycleFailed(_logger, ex);
        }
    }

    /// <summary>The lookups' cheap look: whether waiting for an adoption could find anything.</summary>
    private bool MayHoldNew() => !_adopting.Value && !_disposed && _store.Fault is null && HasNew();

    private bool HasNew() => FolderChanged() || Array.Exists(Volatile.Read(ref _segments), segment => segment.HasGrown);

    /// <summary>Whether segments may have been added or removed since the folder was last listed.</summary>
    private bool FolderChanged()
    {
        if (Volatile.Read(ref _listing) is not { } listing)
        {
            return true;
        }
        var changed = Directory.GetLastWriteTimeUtc(_directory);
        return changed != listing.Changed || changed >= listing.At - ListingMargin;
    }

    /// <summary>Follows the segments the folder holds now: the ones already followed as they are, new ones from their start.</summary>
    private void Relist()
    {
        // Both taken before the listing: a change made during it moves the folder's time on.
        var at = DateTime.UtcNow;
        var changed = Directory.GetLastWriteTimeUtc(_directory);
        var followed = _segments.ToDictionary(segment => segment.Path, StringComparer.Ordinal);
        var listed = new List<InboxSegment>();
        var allOpened = true;
        foreach (var path in StoreLayout.InboxSegments(_directory))
        {
            if (followed.Remove(path, out var segment) || (segment = InboxSegment.TryOpen(path)) is not null)
            {
                listed.Add(segment);
            }
            else
            {
                allOpened = false;
            }
        }
        Volatile.Write(ref _segments, [.. listed]);
        foreach (var gone in followed.Values)
        {
            gone.Dispose();
        }
        // A segment that could not be opened is tried again at the next look.
        Volatile.Write(ref _listing, allOpened ? new Listing(changed, at) : null);
    }

    /// <summary>Adopts what is new in every segment; a cycle (<paramref name="tidy"/>) also deletes finished segments and holds the inbox open or not.</summary>
    private async Task AdoptAsync(bool tidy)
    {
        // Restored when this returns: it marks this flow only.
        _adopting.Value = true;
        try
        {
            if (FolderChanged())
            {
                Relist();
            }
            foreach (var segment in _segments)
            {
                try
                {
                    if (tidy)
                    {
                        segment.TryTakeOver(EmptySegmentGrace);
                    }
                    if (!await AdoptFromAsync(segment))
                    {
                        break;
                    }
                    segment.ReadFailed = false;
                    if (segment.Complete)
                    {
                        Remove(segment);
                    }
                }
                catch (IOException ex)
                {
                    // A segment that cannot be read holds up none of the others; it is tried again at the next look.
                    if (!segment.ReadFailed)
                    {
                        segment.ReadFailed = true;
                        LogSegmentUnreadable(_logger, segment.Path, ex);
                    }
                }
            }
        }
        finally
        {
            // Whatever failed above, the inbox is open only while the store takes writes.
            if (tidy)
            {
                HoldOpenWhileTakingWrites();
            }
        }
    }

    /// <summary>
    /// Adopts the segment's records from where it was left, in batches; false when the store could
    /// not take them (its writes stopped): they stay where they are, for a later look.
    /// </summary>
    private async Task<bool> AdoptFromAsync(InboxSegment segment)
    {
        // Measured first: what is appended while this reads is looked at again next time.
        var length = segment.Length();
        var batch = new List<InboxRecord>();
        var bytes = 0;
        foreach (var (offset, header, payload) in segment.Records())
        {
            batch.Add(ToRecord(offset, header, payload));
            bytes += header.Length;
            if (batch.Count >= BatchRecords || bytes >= BatchBytes)
            {
                if (!await AdoptBatchAsync(segment, batch))
                {
                    return false;
                }
                batch.Clear();
                bytes = 0;
            }
        }
        if (batch.Count > 0 && !await AdoptBatchAsync(segment, batch))
        {
            return false;
        }
        if (segment.Complete)
        {
            // Read to its end: what follows the last record taken was passed over.
            segment.Adopted = length;
        }
        segment.ReadThrough(length);
        return true;
    }

    private async Task<bool> AdoptBatchAsync(InboxSegment segment, List<InboxRecord> batch)
    {
        var copies = batch.Where(record => record.Copy is not null).ToList();
        var traces = copies.Select(record => BlobServerTelemetry.TraceCopy("sos.blob.inbox.copy", ActivityKind.Consumer, record.TraceParent, record.Copy!.Id, record.Copy.Bytes.Length)).ToList();
        StoreResult[] results;
        try
        {
            results = copies.Count > 0 ? await _store.AdoptSmallAsync([.. copies.Select(record => record.Copy!)], CancellationToken.None) : [];
        }
        finally
        {
            traces.ForEach(trace =>
            {
                trace.Store?.Dispose();
                trace.Copy?.Dispose();
            });
        }
        var next = 0;
        foreach (var (offset, end, copy, _) in batch)
        {
            if (copy is null)
            {
                segment.Skipped++;
            }
            else
            {
                var result = results[next++];
                switch (result.Status)
                {
                    case StoreStatus.Stored:
                        BlobServerTelemetry.InboxAdopted.Add(1);
                        break;
                    case StoreStatus.HashMismatch:
                        LogHashMismatch(_logger, copy.Id, segment.Path, result.Actual.Id);
                        break;
                    case StoreStatus.Deleted:
                        break; // a delete later than the write: the store said so, and the delete wins
                    default:
                        // Not stored, and not refused for good: kept, from this record on.
                        segment.Adopted = offset;
                        segment.ReadThrough(-1);
                        if (!_refusalLogged)
                        {
                            _refusalLogged = true;
                            LogRefused(_logger, segment.Path);
                        }
                        return false;
                }
            }
            segment.Taken++;
            segment.Adopted = end;
        }
        _refusalLogged = false;
        return true;
    }

    /// <summary>
    /// The record at <paramref name="offset"/>: the copy it holds, and the trace context of its
    /// upload (taken out of its metadata); no copy when it is none this server can take (not a copy
    /// record, or metadata that does not parse).
    /// </summary>
    private static InboxRecord ToRecord(long offset, LogRecordHeader header, ReadOnlyMemory<byte> payload)
    {
        var end = offset + header.Length;
        if (header.Kind != LogRecord.CopyKind)
        {
            return new InboxRecord(offset, end, null, null);
        }
        var metadata = MetadataFile.FromBytes(payload.Span[..header.MetadataLength]);
        if (metadata.State == MetadataState.Damaged)
        {
            return new InboxRecord(offset, end, null, null);
        }
        var kept = new Dictionary<string, string>(metadata.Metadata, StringComparer.OrdinalIgnoreCase);
        kept.Remove(StoreLayout.InboxTraceParent, out var traceParent);
        return new InboxRecord(offset, end, new SmallCopy(header.Id, payload[header.MetadataLength..].ToArray(), kept, header.Stamp), traceParent);
    }

    /// <summary>Deletes a segment whose writer let it go, now that every record in it is taken.</summary>
    private void Remove(InboxSegment segment)
    {
        try
        {
            File.Delete(segment.Path);
        }
        catch (IOException ex)
        {
            LogNotDeleted(_logger, segment.Path, ex);
            return; // the next cycle tries again
        }
        try
        {
            _store.FlushDirectory(_directory);
        }
        catch (IOException ex)
        {
            // A crash may bring it back; it is then adopted again, which changes nothing.
            LogDeletionNotFlushed(_logger, segment.Path, ex);
        }
        Volatile.Write(ref _segments, [.. _segments.Where(followed => followed != segment)]);
        segment.Dispose();
        if (segment.Skipped > 0)
        {
            LogPassedOver(_logger, segment.Path, segment.Skipped);
        }
        LogSegmentAdopted(_logger, segment.Path, segment.Taken);
    }

    /// <summary>Holds the inbox open while the store takes writes (not stopped, above its free-space floor), and closes it while not.</summary>
    private void HoldOpenWhileTakingWrites()
    {
        var takesWrites = _store.TakesWrites;
        if (takesWrites && _open is null && TryHoldOpen() is { } open)
        {
            Volatile.Write(ref _open, open);
            LogOpened(_logger, _directory);
        }
        else if (!takesWrites && _open is not null)
        {
            Close();
            LogClosed(_logger, _directory);
        }
    }

    /// <summary>
    /// The inbox's <see cref="StoreLayout.InboxOpenFile"/>, held with a shared lock, which a writer's
    /// try at an exclusive one fails on; null when it cannot be had now (a writer holds it for the
    /// moment of its own try), for the next cycle to try again.
    /// </summary>
    private SafeFileHandle? TryHoldOpen()
    {
        SafeFileHandle file;
        try
        {
            file = File.OpenHandle(Path.Combine(_directory, StoreLayout.InboxOpenFile), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (IOException)
        {
            return null;
        }
        if (FileLock.TryShared(file))
        {
            return file;
        }
        file.Dispose();
        return null;
    }

    /// <summary>Lets the inbox's open file go, and its lock with it: writers go over HTTP.</summary>
    private void Close() => Interlocked.Exchange(ref _open, null)?.Dispose();

    /// <summary>The folder's modification time when it was last listed, and when that was (before the listing).</summary>
    private sealed record Listing(DateTime Changed, DateTime At);

    /// <summary>One record of a batch: where it starts and ends in its segment, and its copy (null: passed over).</summary>
    private readonly record struct InboxRecord(long Offset, long End, SmallCopy? Copy, string? TraceParent);

    [LoggerMessage(Level = LogLevel.Information, Message = "Adopted inbox segment {Segment} ({Records} records taken) and deleted it")]
    private static partial void LogSegmentAdopted(ILogger logger, string segment, int records);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Inbox segment {Segment} held {Skipped} records or runs of bytes that were not whole and intact copies (a write cut short by its writer's stop, or damage); they were passed over, every intact copy was adopted")]
    private static partial void LogPassedOver(ILogger logger, string segment, int skipped);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dropped the copy of {ObjectId} in inbox segment {Segment}: its bytes hash to {ActualId}")]
    private static partial void LogHashMismatch(ILogger logger, ObjectId objectId, string segment, ObjectId actualId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not adopt copies from inbox segment {Segment}: this server takes no writes; they stay in the inbox and are adopted once it does (after a restart)")]
    private static partial void LogRefused(ILogger logger, string segment);

    [LoggerMessage(Level = LogLevel.Information, Message = "The inbox {Inbox} is open: uploads on this machine write their small copies to it")]
    private static partial void LogOpened(ILogger logger, string inbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The inbox {Inbox} is closed: this server takes no writes (stopped after a failed flush, or below its free-space floor), so uploads come over HTTP")]
    private static partial void LogClosed(ILogger logger, string inbox);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not delete inbox segment {Segment}, every record of which was adopted; the next cycle tries again")]
    private static partial void LogNotDeleted(ILogger logger, string segment, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleted inbox segment {Segment}, but the flush of its folder failed: after a crash it may be back, and is adopted again")]
    private static partial void LogDeletionNotFlushed(ILogger logger, string segment, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not read inbox segment {Segment}; what it holds stays there, and it is tried again at every look")]
    private static partial void LogSegmentUnreadable(ILogger logger, string segment, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Looking at the inbox failed; what it holds stays there for the next look")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);
}
