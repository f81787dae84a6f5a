using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.Win32.SafeHandles;
using Sos.BlobServer.Storage.SmallObjects;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.BlobServer.Storage;

/// <summary>
/// The storage engine of a blob server: objects on local disk, free of HTTP. Layout:
/// <c>root/ab/c/abc…</c> (see <see cref="ShardLayout"/>) for the bytes and <c>abcd….meta</c> (checksummed) for the metadata and
/// the chunk sums beside them; writes stage in <c>root/.tmp</c> on the same file system so the
/// final rename is atomic. Copies found bad go to <c>root/.quarantine</c>, copies removed by the
/// replicator to <c>root/.trash</c>. A deleted id leaves a tombstone in <c>root/.tombstones/</c>
/// (the id as the file name, the delete's timestamp as its text); a copy's own timestamp is its
/// file's modification time, so that a delete and a write of one id are ordered by comparing two
/// timestamps: the later wins. Small copies that arrive in batches live in the small-object log
/// (<c>root/.log</c>) instead of files of their own (see <c>BlobStore.SmallObjects.cs</c>), and so do
/// those an upload API on the same machine writes to <c>root/.inbox</c> (see <see cref="InboxAdopter"/>).
/// </summary>
public sealed partial class BlobStore : IDisposable
{
    internal const string MetadataSuffix = StoreLayout.MetadataSuffix;
    private const string TempFolder = ".tmp";
    private const string QuarantineFolder = ".quarantine";
    private const string TrashFolder = ".trash";
    private const int ReadAttempts = 3;
    private const int CheckBufferSize = 1024 * 1024;
    private static readonly TimeSpan ReadRetryDelay = TimeSpan.FromSeconds(1);

    private readonly string _root;
    private readonly string _temp;
    private readonly BlobStoreOptions _options;
    private readonly IDurableCommitter _committer;
    private readonly ILogger<BlobStore> _logger;
    private readonly TimeProvider _time;
    private readonly Action<string> _flushDirectory;
    private readonly string _tombstones;
    // Every tombstone's stamp, read from its folder once: this store is its only writer, and a
    // copy written or read would otherwise cost a look for its tombstone's file, every time.
    private readonly Lazy<ConcurrentDictionary<ObjectId, HybridTimestamp>> _tombstoneStamps;
    // Which shard directories are known to exist with their entries durable (see ShardLayout).
    private readonly bool[] _shardReady = new bool[ShardLayout.Count];
    private readonly SmallObjectLog _log;
    private Exception? _fault;

    public BlobStore(IOptions<BlobStoreOptions> options, IDurableCommitter committer, ILogger<BlobStore> logger, TimeProvider? time = null)
        : this(options, committer, logger, time ?? TimeProvider.System, FsyncCommitter.FlushDirectory)
    {
    }

    /// <summary>
    /// With a directory flush of the caller's choosing (tests record which directories were flushed),
    /// and a flush of the log's segments (tests make it fail; null: <c>fdatasync</c>).
    /// </summary>
    internal BlobStore(IOptions<BlobStoreOptions> options, IDurableCommitter committer, ILogger<BlobStore> logger, TimeProvider time, Action<string> flushDirectory,
        Action<SafeFileHandle>? flushLog = null)
    {
        _options = options.Value;
        _root = Path.GetFullPath(_options.Root);
        _temp = Path.Combine(_root, TempFolder);
        _committer = committer;
        _logger = logger;
        _time = time;
        _flushDirectory = flushDirectory;
        _tombstones = Path.Combine(_root, StoreLayout.TombstoneFolder);
        _tombstoneStamps = new(ReadTombstones);
        Clock = new HybridClock(time);
        CreateDurably(_temp);
        if (EarlierLayout.Move(_root, CreateDurably, _flushDirectory) is > 0 and var moved)
        {
            LogMovedLayout(_logger, moved);
        }
        TrustExistingShards();
        RemoveAbandonedTempFiles();
        Identity = StoreIdentity.LoadOrCreate(_root);
        // Made at start, though a store may record no delete for long: an upload API on this
        // machine watches the folder (see FolderWatcher), and one that is not there yet cannot be.
        CreateDurably(_tombstones);
        var log = Path.Combine(_root, StoreLayout.LogFolder);
        CreateDurably(log);
        _log = new SmallObjectLog(log, _options.LogSegmentBytes, logger, flushLog);
    }

    /// <summary>Finishes the log's appends in flight and closes its segments.</summary>
    public void Dispose() => _log.Dispose();

    public string Root => _root;

    /// <summary>Stamps the writes and deletes that arrive without a timestamp (the original sos tools send none).</summary>
    public HybridClock Clock { get; }

    /// <summary>This server's stable identity (32 lowercase hex), made on first start.</summary>
    public string Identity { get; }

    /// <summary>Where writes stage before they are committed.</summary>
    public string TempDirectory => _temp;

    /// <summary>The flush failure that stopped writes, or null while the store takes them.</summary>
    public Exception? Fault => Volatile.Read(ref _fault) ?? _committer.Fault ?? _log.Fault;

    /// <summary>
    /// The inbox this store adopts copies from, while its adopter runs (see <see cref="InboxAdopter"/>).
    /// An upload is acknowledged once its copy is in the inbox, possibly before the adopter's next
    /// look at it, so before the store answers that it holds no copy of an id (<see cref="Find"/>,
    /// <see cref="Delete"/>, <see cref="WriteTombstoneAsync"/>, <see cref="List"/>) it adopts what
    /// the inbox holds that it has not adopted yet.
    /// </summary>
    internal InboxAdopter? Inbox { get; set; }

    /// <summary>Whether the store takes writes: not stopped by a failed flush, and above its free-space floor.</summary>
    internal bool TakesWrites => Fault is null && FreeBytes() >= _options.MinFreeBytes;

    /// <summary>Tests wrap the stream a check reads, to make it fail as a bad disk would.</summary>
    internal Func<ObjectId, Stream, Stream> WrapCheckedRead { get; set; } = (_, stream) => stream;

    /// <summary>
    /// Streams the content to a temp file while hashing it; keeps it only if it hashes to
    /// <paramref name="id"/>, and returns only once the copy is durable under its real name. When
    /// a copy is already held, its metadata stays (first write wins) and only the bytes are replaced.
    /// </summary>
    public Task<StoreResult> StoreAsync(ObjectId id, Stream content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken) =>
        StoreAsync(id, content, metadata, stamp: null, cancellationToken);

    /// <summary>
    /// Bodies up to this size whose length is announced are read whole into memory, then written
    /// with one synchronous write: a small copy then costs no asynchronous file round trips.
    /// </summary>
    public const int SmallWriteMaxBytes = 64 * 1024;

    /// <summary>
    /// As above, for a write made at <paramref name="stamp"/> (null: now, by this server's clock).
    /// A write no later than the id's tombstone is refused (<see cref="StoreStatus.Deleted"/>); a
    /// later one is stored beside it (see <see cref="SettleWithTombstone"/>). <paramref name="length"/> is the body's
    /// length when the caller knows it (an HTTP request's <c>Content-Length</c>).
    /// </summary>
    public Task<StoreResult> StoreAsync(ObjectId id, Stream content, IReadOnlyDictionary<string, string> metadata, HybridTimestamp? stamp, CancellationToken cancellationToken, long? length = null) =>
        StoreAsync(id, content, metadata, stamp, adopted: false, length, cancellationToken);

    /// <summary>
    /// As above; an <paramref name="adopted"/> copy (one from the inbox, see <see cref="InboxAdopter"/>)
    /// is already durable on this disk and acknowledged to a client, so it is never refused for space.
    /// </summary>
    private async Task<StoreResult> StoreAsync(ObjectId id, Stream content, IReadOnlyDictionary<string, string> metadata, HybridTimestamp? stamp, bool adopted, long? length, CancellationToken cancellationToken)
    {
        using var activity = BlobServerTelemetry.Source.StartActivity("sos.blob.store");
        activity?.SetTag("sos.object.id", id.ToString());
        if (Fault is not null)
        {
            return new StoreResult(StoreStatus.Unavailable, default);
        }
        if (_log.TryFind(id, out var logged))
        {
            // The log holds this id, so these bytes, if they are its bytes, are small: the write
            // goes where the held copy is, as any write of a held copy replaces it in place.
            var bytes = await ReadUpToAsync(content, logged.DataLength + 1, cancellationToken);
            return (await StoreSmallAsync([new SmallCopy(id, bytes, metadata, stamp)], adopted, cancellationToken))[0];
        }
        var written = Stamped(stamp);
        if (FindTombstone(id) is { } deleted && deleted >= written)
        {
            LogRefusedDeleted(_logger, id, written, deleted);
            return new StoreResult(StoreStatus.Deleted, default);
        }
        if (!adopted && FreeBytes() < _options.MinFreeBytes)
        {
            LogLowOnSpace(_logger, id, _options.MinFreeBytes);
            return new StoreResult(StoreStatus.InsufficientStorage, default);
        }

        var tempData = Path.Combine(_temp, $"{id}.{Guid.NewGuid():N}");
        // Every copy has a .meta: it holds the chunk sums that reads are checked against.
        var tempMetadata = tempData + MetadataSuffix;
        var committed = false;
        try
        {
            var (actual, chunks) = length is { } known && known <= SmallWriteMaxBytes
                ? await StageSmallAsync(id, content, (int)known, tempData, written, cancellationToken)
                : await StageStreamedAsync(id, content, length, tempData, written, cancellationToken);
            activity?.SetTag("sos.object.size", actual.Size);
            if (actual.Id != id)
            {
                LogHashMismatch(_logger, id, actual.Id);
                activity?.SetStatus(ActivityStatusCode.Error, "hash mismatch");
                return new StoreResult(StoreStatus.HashMismatch, actual);
            }
            var finalData = DataPath(id);
            // First write wins: a held copy's intact metadata is what this copy carries too. (A
            // held copy without a .meta has empty metadata; one whose .meta is damaged has none to keep.)
            var kept = metadata;
            if (File.Exists(finalData) && MetadataFile.Read(finalData + MetadataSuffix) is { State: not MetadataState.Damaged } held)
            {
                kept = held.Metadata;
            }
            var flush = _committer.NeedsWriterFlush(actual.Size);
            await FlushOrStopAsync(() => MetadataFile.Write(tempMetadata, kept, chunks, flush), offload: flush, cancellationToken);
            var shard = ShardLayout.IndexOf(id.ToString());
            await EnsureShardAsync(shard, actual.Size, cancellationToken);
            var staged = new StagedBlob(tempData, tempMetadata, finalData, finalData + MetadataSuffix, actual.Size);
            await _committer.CommitAsync(staged, cancellationToken);
            committed = true;
            // A committed write's shard is durable: flushed above, or by the commit's flush.
            Volatile.Write(ref _shardReady[shard], true);
            if (!SettleWithTombstone(id))
            {
                // A delete later than this write landed while it was staged: the delete wins.
                return new StoreResult(StoreStatus.Deleted, actual);
            }
            LogStored(_logger, id, actual.Size);
            BlobServerTelemetry.CopiesStored.Add(1);
            BlobServerTelemetry.BytesStored.Add(actual.Size);
            return new StoreResult(StoreStatus.Stored, actual);
        }
        catch (IOException) when (Fault is not null)
        {
            // This write's flush failed, or an earlier one did: either way the disk is not trusted.
            activity?.SetStatus(ActivityStatusCode.Error, "store stopped after a failed flush");
            return new StoreResult(StoreStatus.Unavailable, default);
        }
        finally
        {
            // After a commit these are gone (moved, or deleted by the move). After a failure
            // nothing half-written may stay: a committer answers only once it is done with the
            // files, so deleting them is safe.
            if (!committed)
            {
                TryDelete(tempData);
                TryDelete(tempMetadata);
            }
        }
    }

    /// <summary>
    /// A small body of known length: read whole, hashed and summed in memory, then written with one
    /// synchronous write (and flushed through its handle when the committer's flush does not cover it).
    /// </summary>
    private async Task<(HashedContent Actual, ChunkSums Chunks)> StageSmallAsync(ObjectId id, Stream content, int length, string tempData, HybridTimestamp written, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(length + 1);
        try
        {
            // One byte more than announced tells a body that runs on from one that ends where it said.
            var read = await content.ReadAtLeastAsync(buffer.AsMemory(0, length + 1), length + 1, throwOnEndOfStream: false, cancellationToken);
            if (read > length)
            {
                throw new IOException($"The body is longer than the {length} bytes it announced.");
            }
            var bytes = buffer.AsMemory(0, read);
            var actual = new HashedContent(ObjectId.Of(bytes.Span), read);
            var sums = new ChunkSums.Builder();
            sums.Append(bytes.Span);
            using var file = File.OpenHandle(tempData, FileMode.CreateNew, FileAccess.Write, FileShare.None);
            RandomAccess.Write(file, bytes.Span, fileOffset: 0);
            // The copy's timestamp is its modification time: made durable with the bytes, kept by the rename.
            File.SetLastWriteTimeUtc(file, StoreLayout.ModificationTimeOf(written));
            if (actual.Id == id && _committer.NeedsWriterFlush(actual.Size))
            {
                // Through this handle: only it is sure to hear of a write-back error of these bytes.
                await FlushOrStopAsync(() => RandomAccess.FlushToDisk(file), offload: true, cancellationToken);
            }
            return (actual, sums.Build());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// A body of any size, streamed to the temp file while it is hashed and summed: written direct
    /// where the file system takes it (<see cref="DirectWriteStream"/>), else through the page
    /// cache with its write-back started as it goes (<see cref="WriteBehindStream"/>).
    /// </summary>
    private async Task<(HashedContent Actual, ChunkSums Chunks)> StageStreamedAsync(ObjectId id, Stream content, long? length, string tempData, HybridTimestamp written, CancellationToken cancellationToken)
    {
        var direct = DirectWriteStream.TryCreate(tempData, length);
        await using Stream file = (Stream?)direct ?? new FileStream(tempData, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous);
        var handle = direct?.Handle ?? ((FileStream)file).SafeFileHandle;
        var summing = new ChunkSummingStream(direct is null ? new WriteBehindStream(file, handle) : file);
        var actual = await HashingCopy.CopyAsync(content, summing, _options.MaxObjectBytes, cancellationToken);
        await file.FlushAsync(cancellationToken);
        File.SetLastWriteTimeUtc(handle, StoreLayout.ModificationTimeOf(written));
        if (actual.Id == id && _committer.NeedsWriterFlush(actual.Size))
        {
            await FlushOrStopAsync(() => RandomAccess.FlushToDisk(handle), offload: true, cancellationToken);
        }
        return (actual, summing.Sums.Build());
    }

    /// <summary>
    /// The copy of <paramref name="id"/> on this server, or null. A copy whose metadata is damaged
    /// is quarantined here and reported absent: it is never served or copied with empty metadata.
    /// </summary>
    public StoredBlob? Find(ObjectId id) => FindHeld(id) ?? (CaughtUpWithInbox() ? FindHeld(id) : null);

    /// <summary>As <see cref="Find"/>, without first adopting what the inbox holds.</summary>
    private StoredBlob? FindHeld(ObjectId id)
    {
        var blob = _log.TryFind(id, out var logged) ? FindLogged(id, logged) : FindFile(id);
        // A tombstone beside a copy it outdates (a crash between the two steps of a delete): the delete stands.
        if (blob is not null && FindTombstone(id) is { } deleted && deleted >= blob.Stamp)
        {
            SettleWithTombstone(id);
            return null;
        }
        return blob;
    }

    /// <summary>A copy that is a file of its own, as <see cref="Find"/> answers it before the tombstone is weighed.</summary>
    private StoredBlob? FindFile(ObjectId id)
    {
        var path = DataPath(id);
        // Most ids asked about are absent (every upload asks before it writes): a missing copy is
        // answered without opening its metadata, whose absence would cost an exception.
        if (!File.Exists(path))
        {
            return null;
        }
        var metadata = MetadataFile.Read(path + MetadataSuffix);
        var data = new FileInfo(path);
        if (!data.Exists)
        {
            return null;
        }
        if (metadata.State == MetadataState.Damaged)
        {
            LogDamagedMetadata(_logger, id);
            QuarantineDamagedMetadata(id, metadata.File);
            return null;
        }
        return new StoredBlob(id, data, metadata.Metadata, metadata.Chunks);
    }

    /// <summary>The timestamp of the id's tombstone on this server, or null when it was not deleted here.</summary>
    public HybridTimestamp? FindTombstone(ObjectId id) =>
        _tombstoneStamps.Value.TryGetValue(id, out var stamp) ? stamp : null;

    /// <summary>The tombstones in <c>root/.tombstones/</c>, as the store starts to use them; a file that names no id or holds no timestamp is none.</summary>
    private ConcurrentDictionary<ObjectId, HybridTimestamp> ReadTombstones()
    {
        var stamps = new ConcurrentDictionary<ObjectId, HybridTimestamp>();
        if (!Directory.Exists(_tombstones))
        {
            return stamps;
        }
        foreach (var file in Directory.EnumerateFiles(_tombstones))
        {
            if (ObjectId.TryParse(Path.GetFileName(file), out var id) && HybridTimestamp.TryParse(File.ReadAllText(file).Trim(), out var stamp))
            {
                stamps[id] = stamp.Value;
            }
        }
        return stamps;
    }

    /// <summary>
    /// Records that <paramref name="id"/> was deleted at <paramref name="stamp"/> (null: now), durably
    /// through the commit path, then moves any copy written before it to the trash. A copy written
    /// after the delete wins: it stays (<see cref="TombstoneStatus.Superseded"/>), and the delete is
    /// recorded all the same, so that it reaches, through the replicator, a server that missed it
    /// and still holds a copy from before it. A later tombstone already here stays as it is.
    /// </summary>
    public async Task<TombstoneWrite> WriteTombstoneAsync(ObjectId id, HybridTimestamp? stamp, CancellationToken cancellationToken)
    {
        using var activity = BlobServerTelemetry.Source.StartActivity("sos.blob.tombstone");
        activity?.SetTag("sos.object.id", id.ToString());
        if (Fault is not null)
        {
            TrashOutdatedCopy(id, stamp);
            return new TombstoneWrite(TombstoneStatus.Unavailable, default, Held: false);
        }
        var deleted = Stamped(stamp);
        var copy = HeldStamp(id);
        if (copy is null && Inbox is { } inbox && await inbox.CatchUpAsync(cancellationToken))
        {
            copy = HeldStamp(id);
        }
        var held = FindTombstone(id);
        var later = copy is { } written && written > deleted ? copy : null;
        if (held is { } earlier && earlier >= deleted)
        {
            if (later is { } kept)
            {
                return new TombstoneWrite(TombstoneStatus.Superseded, kept, Held: true);
            }
            SettleWithTombstone(id);
            return new TombstoneWrite(TombstoneStatus.Deleted, earlier, Held: true);
        }
        var temp = Path.Combine(_temp, $"{id}.{Guid.NewGuid():N}.tombstone");
        var committed = false;
        try
        {
            await FlushOrStopAsync(() =>
            {
                using var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None);
                file.Write(System.Text.Encoding.ASCII.GetBytes(deleted.ToString()));
                file.Flush(flushToDisk: true);
            }, offload: true, cancellationToken);
            CreateDurably(_tombstones);
            // The store's commit path: renamed into place and its directory flushed before this returns.
            await _committer.CommitAsync(new StagedBlob(temp, null, TombstonePath(id), TombstonePath(id) + MetadataSuffix, 0), cancellationToken);
            committed = true;
            _tombstoneStamps.Value.AddOrUpdate(id, deleted, (_, other) => HybridTimestamp.Max(other, deleted));
        }
        catch (IOException) when (Fault is not null)
        {
            return new TombstoneWrite(TombstoneStatus.Unavailable, default, Held: false);
        }
        finally
        {
            // After a commit it is gone (moved, or deleted by the move).
            if (!committed)
            {
                TryDelete(temp);
            }
        }
        if (later is { } stays)
        {
            return new TombstoneWrite(TombstoneStatus.Superseded, stays, Held: true);
        }
        var trashed = !SettleWithTombstone(id) && copy is not null;
        LogTombstoned(_logger, id, deleted, trashed);
        BlobServerTelemetry.TombstonesWritten.Add(1);
        return new TombstoneWrite(TombstoneStatus.Deleted, deleted, Held: copy is not null || held is not null);
    }

    /// <summary>
    /// A store whose writes stopped cannot record a delete, but it can stop serving the copy the
    /// delete outdates: moved to the trash (a rename), so that reads go on to the servers that hold
    /// the object as it is now. Not durable: after a crash the copy may be back, until the
    /// replicator brings the tombstone once the server is restarted.
    /// </summary>
    private void TrashOutdatedCopy(ObjectId id, HybridTimestamp? stamp)
    {
        if (stamp is not { } deleted || HeldStamp(id) is not { } written || written > deleted)
        {
            return;
        }
        try
        {
            Trash(id);
        }
        catch (IOException)
        {
            // The disk is failing further: the copy stays where it was, as without this.
        }
    }

    /// <summary>Every tombstone, in ascending order of id, starting after <paramref name="after"/>.</summary>
    public IEnumerable<(ObjectId Id, HybridTimestamp Stamp)> ListTombstones(ObjectId? after = null)
    {
        var ids = _tombstoneStamps.Value.Keys.Where(id => after is null || id > after.Value).ToList();
        ids.Sort();
        foreach (var id in ids)
        {
            if (FindTombstone(id) is { } stamp)
            {
                yield return (id, stamp);
            }
        }
    }

    /// <summary>
    /// Forgets a tombstone once every server applied it and its grace period passed (the replicator
    /// decides). Only a tombstone no later than <paramref name="upTo"/> goes: one renewed since stays.
    /// </summary>
    public bool RemoveTombstone(ObjectId id, HybridTimestamp upTo)
    {
        lock (StagedBlob.SwapLock)
        {
            if (FindTombstone(id) is not { } stamp || stamp > upTo)
            {
                return false;
            }
            File.Delete(TombstonePath(id));
            _tombstoneStamps.Value.TryRemove(id, out _);
        }
        _flushDirectory(_tombstones);
        return true;
    }

    /// <summary>
    /// Brings a copy and a tombstone of one id to the state their timestamps decide: the copy goes
    /// to the trash when the tombstone is as late or later. A later copy stays beside the
    /// tombstone, which is kept until the replicator collects it (every server applied it and its
    /// grace period passed): dropped now, a server that missed the delete would keep its copy from
    /// before it, metadata and all, with nothing left anywhere to say it is outdated. Returns
    /// whether a copy is left.
    /// </summary>
    private bool SettleWithTombstone(ObjectId id)
    {
        lock (StagedBlob.SwapLock)
        {
            var deleted = FindTombstone(id);
            if (HeldStamp(id) is not { } written)
            {
                return false;
            }
            if (deleted is not { } tombstone || written > tombstone)
            {
                return true;
            }
            var size = HeldSize(id);
            if (Trash(id))
            {
                BlobServerTelemetry.BytesReclaimed.Add(size);
            }
            return false;
        }
    }

    /// <summary>The timestamp of the write that made the copy at <paramref name="data"/> (its modification time), or null when there is no copy.</summary>
    private static HybridTimestamp? CopyStamp(string data) =>
        File.Exists(data) ? StoreLayout.StampOf(File.GetLastWriteTimeUtc(data)) : null;

    private HybridTimestamp Stamped(HybridTimestamp? stamp)
    {
        if (stamp is { } given)
        {
            Clock.Observe(given);
            return given;
        }
        return Clock.Now();
    }

    private string TombstonePath(ObjectId id) => StoreLayout.TombstonePath(_root, id);

    /// <summary>
    /// Re-reads a copy whole: its bytes against its id and its metadata against its checksum. A
    /// read error is retried; a copy that stays unreadable or is wrong is quarantined (only the
    /// very file that was read). <paramref name="spend"/> is told of every read, to pace a scrub.
    /// </summary>
    public async Task<CopyCheck> CheckAsync(ObjectId id, Func<int, CancellationToken, Task>? spend, CancellationToken cancellationToken)
    {
        if (_log.TryFind(id, out var logged))
        {
            return await CheckLoggedAsync(id, logged, spend, cancellationToken);
        }
        var buffer = new byte[CheckBufferSize];
        for (var attempt = 1; ; attempt++)
        {
            FileStream file;
            try
            {
                file = new FileStream(DataPath(id), FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);
            }
            catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
            {
                return new CopyCheck(CopyState.Missing, 0, null);
            }
            await using (file)
            {
                var read = FileIdentity.Of(file.SafeFileHandle);
                string reason;
                long size = 0;
                try
                {
                    using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
                    var stream = WrapCheckedRead(id, file);
                    int count;
                    while ((count = await stream.ReadAsync(buffer, cancellationToken)) > 0)
                    {
                        sha1.AppendData(buffer, 0, count);
                        size += count;
                        if (spend is not null)
                        {
                            await spend(count, cancellationToken);
                        }
                    }
                    var actual = ObjectId.FromDigest(sha1.GetHashAndReset());
                    if (actual == id)
                    {
                        if (MetadataFile.Read(DataPath(id) + MetadataSuffix) is { State: MetadataState.Damaged } metadata)
                        {
                            LogDamagedMetadata(_logger, id);
                            return QuarantineDamagedMetadata(id, metadata.File)
                                ? new CopyCheck(CopyState.Bad, size, "its metadata does not match its checksum")
                                : new CopyCheck(CopyState.Missing, 0, null);
                        }
                        return new CopyCheck(CopyState.Good, size, null);
                    }
                    reason = $"its bytes hash to {actual}";
                }
                catch (IOException ex) when (!cancellationToken.IsCancellationRequested)
                {
                    LogReadFailed(_logger, id, attempt, ReadAttempts, ex);
                    if (attempt < ReadAttempts)
                    {
                        await Task.Delay(ReadRetryDelay, _time, cancellationToken);
                        continue;
                    }
                    reason = $"it could not be read ({ex.Message})";
                }
                if (Quarantine(id, read))
                {
                    return new CopyCheck(CopyState.Bad, size, reason);
                }
                if (attempt >= ReadAttempts)
                {
                    return new CopyCheck(CopyState.Missing, 0, null);
                }
                // Not quarantined: another copy was renamed into place while this one was read. Check that one.
            }
        }
    }

    /// <summary>
    /// Moves a copy that no longer matches its id out of service: it is never served or listed
    /// again, and stays in <c>root/.quarantine</c> for a person to look at. Only the very file
    /// that was read (<paramref name="read"/>, its device and inode) is moved: a good copy renamed
    /// into place since stays. Returns false when that file is no longer in place.
    /// </summary>
    public bool Quarantine(ObjectId id, FileIdentity? read)
    {
        var data = DataPath(id);
        var target = QuarantinePath(id);
        CreateDurably(Path.GetDirectoryName(target)!);
        lock (StagedBlob.SwapLock)
        {
            if (read is not null && FileIdentity.Of(data) != read)
            {
                LogNotQuarantined(_logger, id);
                return false;
            }
            try
            {
                File.Move(data, target);
            }
            catch (FileNotFoundException)
            {
                return false;
            }
            if (File.Exists(data + MetadataSuffix))
            {
                File.Move(data + MetadataSuffix, target + MetadataSuffix, overwrite: true);
            }
        }
        LogQuarantined(_logger, id, target);
        BlobServerTelemetry.Quarantined.Add(1);
        return true;
    }

    /// <summary>
    /// Moves this server's copy, bytes and metadata, to <c>root/.trash</c> (the replicator's
    /// rebalance, once the object's preferred servers hold it); <see cref="SweepTrash"/> unlinks it
    /// after <see cref="BlobStoreOptions.TrashRetention"/>. Returns false when there was no copy.
    /// </summary>
    public bool Delete(ObjectId id) => Trash(id) || (CaughtUpWithInbox() && Trash(id));

    /// <summary>As <see cref="Delete"/>, without first adopting what the inbox holds.</summary>
    private bool Trash(ObjectId id)
    {
        var logged = _log.TryFind(id, out var entry) && RemoveLogged(id, entry, TrashPath(id));
        return DeleteFile(id) || logged;
    }

    private string TrashPath(ObjectId id) => Path.Combine(_root, TrashFolder, $"{id}.{_time.GetUtcNow().ToUnixTimeMilliseconds()}");

    private string QuarantinePath(ObjectId id) => Path.Combine(_root, QuarantineFolder, $"{id}.{_time.GetUtcNow():yyyyMMddTHHmmssfff}");

    /// <summary>A copy that is a file of its own, to the trash (see <see cref="Delete"/>).</summary>
    private bool DeleteFile(ObjectId id)
    {
        var data = DataPath(id);
        var target = TrashPath(id);
        CreateDurably(Path.GetDirectoryName(target)!);
        lock (StagedBlob.SwapLock)
        {
            // The bytes go first, so a copy is never listed or served without its metadata.
            try
            {
                File.Move(data, target);
            }
            catch (FileNotFoundException)
            {
                return false;
            }
            catch (DirectoryNotFoundException)
            {
                return false;
            }
            if (File.Exists(data + MetadataSuffix))
            {
                File.Move(data + MetadataSuffix, target + MetadataSuffix, overwrite: true);
            }
        }
        _flushDirectory(Path.GetDirectoryName(data)!);
        LogTrashed(_logger, id, target);
        return true;
    }

    /// <summary>Unlinks trashed copies older than the retention. Returns how many copies went.</summary>
    public int SweepTrash()
    {
        var trash = Path.Combine(_root, TrashFolder);
        if (!Directory.Exists(trash))
        {
            return 0;
        }
        var cutoff = _time.GetUtcNow() - _options.TrashRetention;
        var removed = 0;
        foreach (var file in Directory.EnumerateFiles(trash))
        {
            var name = Path.GetFileName(file);
            var stamp = name.EndsWith(MetadataSuffix, StringComparison.Ordinal) ? name[..^MetadataSuffix.Length] : name;
            var dot = stamp.LastIndexOf('.');
            if (dot < 0 || !long.TryParse(stamp[(dot + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var millis)
                || DateTimeOffset.FromUnixTimeMilliseconds(millis) > cutoff)
            {
                continue;
            }
            File.Delete(file);
            if (!name.EndsWith(MetadataSuffix, StringComparison.Ordinal))
            {
                removed++;
            }
        }
        return removed;
    }

    /// <summary>
    /// Every id held, in ascending order, starting after <paramref name="after"/>: the files lazily,
    /// one shard at a time, merged with the ids the log holds (an id held both ways is listed once).
    /// </summary>
    public IEnumerable<ObjectId> List(ObjectId? after = null)
    {
        CaughtUpWithInbox();
        using var logged = _log.Ids(after).GetEnumerator();
        var more = logged.MoveNext();
        foreach (var id in ListFiles(after))
        {
            for (; more && logged.Current < id; more = logged.MoveNext())
            {
                yield return logged.Current;
            }
            if (more && logged.Current == id)
            {
                more = logged.MoveNext();
            }
            yield return id;
        }
        for (; more; more = logged.MoveNext())
        {
            yield return logged.Current;
        }
    }

    private IEnumerable<ObjectId> ListFiles(ObjectId? after)
    {
        foreach (var shard in ShardLayout.Shards(after?.ToString()))
        {
            var directory = Path.Combine(_root, shard);
            if (!Directory.Exists(directory))
            {
                continue;
            }
            var ids = new List<ObjectId>();
            foreach (var file in Directory.EnumerateFiles(directory))
            {
                if (ObjectId.TryParse(Path.GetFileName(file), out var id) && (after is null || id > after.Value))
                {
                    ids.Add(id);
                }
            }
            ids.Sort();
            foreach (var id in ids)
            {
                yield return id;
            }
        }
    }

    /// <summary>Makes the inbox's folder (<see cref="StoreLayout.InboxFolder"/>) durably, as the store's other folders, and returns its path.</summary>
    internal string CreateInbox()
    {
        var inbox = Path.Combine(_root, StoreLayout.InboxFolder);
        CreateDurably(inbox);
        return inbox;
    }

    /// <summary>Flushes one of the store's directories: a file deleted from it stays deleted through a crash only then.</summary>
    internal void FlushDirectory(string directory) => _flushDirectory(directory);

    /// <summary>
    /// Adopts what the inbox holds that the store has not adopted yet, when it holds anything new;
    /// true when it did (the caller looks again for what it did not find).
    /// </summary>
    private bool CaughtUpWithInbox() => Inbox?.CatchUp() ?? false;

    /// <summary>Free bytes on the disk that holds the store.</summary>
    public long FreeBytes() => new DriveInfo(_root).AvailableFreeSpace;

    internal string DataPath(ObjectId id) => StoreLayout.DataPath(_root, id);

    /// <summary>
    /// Shard directories found at start are trusted once their parents are flushed: a directory
    /// made by a process that stopped before its flush may exist in the page cache alone.
    /// </summary>
    private void TrustExistingShards()
    {
        var parents = new SortedSet<string>(StringComparer.Ordinal);
        for (var index = 0; index < ShardLayout.Count; index++)
        {
            var shard = Path.Combine(_root, ShardLayout.Shard(index));
            if (Directory.Exists(shard))
            {
                parents.Add(_root);
                parents.Add(Path.GetDirectoryName(shard)!);
                _shardReady[index] = true;
            }
        }
        foreach (var parent in parents)
        {
            _flushDirectory(parent);
        }
    }

    /// <summary>
    /// Makes shard <paramref name="index"/> before its first copy is renamed into it. Its
    /// parents are flushed even when another write made it a moment ago (that write's flush may
    /// not be done), unless the commit's own flush covers the whole file system; then the shard
    /// counts as made once that commit is done. A failed flush stops writes like any other.
    /// </summary>
    private async Task EnsureShardAsync(int index, long size, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _shardReady[index]))
        {
            return;
        }
        var shard = Path.Combine(_root, ShardLayout.Shard(index));
        Directory.CreateDirectory(shard);
        if (!_committer.CoversNewDirectories(size))
        {
            await FlushOrStopAsync(() =>
            {
                _flushDirectory(_root);
                _flushDirectory(Path.GetDirectoryName(shard)!);
            }, offload: true, cancellationToken);
            Volatile.Write(ref _shardReady[index], true);
        }
    }

    /// <summary>
    /// Creates a directory and any missing parents, flushing the parent of each one created: a
    /// new directory's entry is durable only once its parent is flushed, and a copy renamed into a
    /// shard whose entry was lost in a crash would be lost with it.
    /// </summary>
    private void CreateDurably(string directory) => CreateDirectories(directory).ForEach(_flushDirectory);

    /// <summary>Creates a directory and any missing parents; returns the directories to flush, parents first.</summary>
    private static List<string> CreateDirectories(string directory)
    {
        var missing = new Stack<string>();
        for (var path = directory; !Directory.Exists(path); path = Path.GetDirectoryName(path)!)
        {
            missing.Push(path);
        }
        if (missing.Count > 0)
        {
            Directory.CreateDirectory(directory);
        }
        return [.. missing.Select(created => Path.GetDirectoryName(created)!)];
    }

    /// <summary>
    /// A writer's flush (or write) that fails stops the store's writes, as a failed group flush
    /// does. A flush blocks for a disk round trip, so it runs off the request's thread
    /// (<paramref name="offload"/>); a write into the page cache does not.
    /// </summary>
    private async Task FlushOrStopAsync(Action flush, bool offload, CancellationToken cancellationToken)
    {
        try
        {
            if (offload)
            {
                await Task.Run(flush, cancellationToken);
            }
            else
            {
                flush();
            }
        }
        catch (IOException ex)
        {
            if (Interlocked.CompareExchange(ref _fault, ex, null) is null)
            {
                LogStopped(_logger, ex);
            }
            throw new StoreFaultedException(ex);
        }
    }

    /// <summary>Quarantines a copy whose <c>.meta</c> is damaged, if that <c>.meta</c> is still the file that was read.</summary>
    private bool QuarantineDamagedMetadata(ObjectId id, FileIdentity? metadataRead)
    {
        var metadata = DataPath(id) + MetadataSuffix;
        lock (StagedBlob.SwapLock)
        {
            if (metadataRead is not null && FileIdentity.Of(metadata) != metadataRead)
            {
                return false; // a write replaced it meanwhile
            }
        }
        return Quarantine(id, read: null);
    }

    private void RemoveAbandonedTempFiles()
    {
        // At start no write is in flight, so whatever is staged was abandoned by a crash.
        foreach (var file in Directory.EnumerateFiles(_temp))
        {
            TryDelete(file);
            LogRemovedTempFile(_logger, file);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Still open somewhere; the next start removes it.
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Stored {ObjectId} ({Size} bytes)")]
    private static partial void LogStored(ILogger logger, ObjectId objectId, long size);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {ObjectId}: the body hashes to {ActualId}")]
    private static partial void LogHashMismatch(ILogger logger, ObjectId objectId, ObjectId actualId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {ObjectId}: free disk is below the floor of {MinFreeBytes} bytes")]
    private static partial void LogLowOnSpace(ILogger logger, ObjectId objectId, long minFreeBytes);

    [LoggerMessage(Level = LogLevel.Critical, Message = "A flush of a staged write failed: this blob server takes no writes until it is restarted")]
    private static partial void LogStopped(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Quarantined {ObjectId}: its copy is not good; moved to {Path}")]
    private static partial void LogQuarantined(ILogger logger, ObjectId objectId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Did not quarantine {ObjectId}: the file read is no longer in place (a new copy replaced it)")]
    private static partial void LogNotQuarantined(ILogger logger, ObjectId objectId);

    [LoggerMessage(Level = LogLevel.Error, Message = "The metadata of {ObjectId} does not match its checksum")]
    private static partial void LogDamagedMetadata(ILogger logger, ObjectId objectId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Reading {ObjectId} failed (attempt {Attempt} of {Attempts})")]
    private static partial void LogReadFailed(ILogger logger, ObjectId objectId, int attempt, int attempts, Exception exception);

    [LoggerMessage(Level = LogLevel.Information, Message = "Moved {ObjectId} to the trash at {Path}")]
    private static partial void LogTrashed(ILogger logger, ObjectId objectId, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Refused {ObjectId} written at {Written}: it was deleted at {Deleted}")]
    private static partial void LogRefusedDeleted(ILogger logger, ObjectId objectId, HybridTimestamp written, HybridTimestamp deleted);

    [LoggerMessage(Level = LogLevel.Information, Message = "Tombstoned {ObjectId} at {Deleted} (a copy went to the trash: {Trashed})")]
    private static partial void LogTombstoned(ILogger logger, ObjectId objectId, HybridTimestamp deleted, bool trashed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moved {Files} files of the earlier shard layout (ab/cd/) into their shards (ab/c/)")]
    private static partial void LogMovedLayout(ILogger logger, int files);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed abandoned temp file {Path}")]
    private static partial void LogRemovedTempFile(ILogger logger, string path);
}
