using Sos.BlobServer.Storage.SmallObjects;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.BlobServer.Storage;

/// <summary>The store's copies in the small-object log: written in batches, found, read, checked and removed.</summary>
public sealed partial class BlobStore
{
    /// <summary>
    /// Stores small copies that arrived together (a batch) in the small-object log: each is checked
    /// as a single write is (its tombstone, the free-space floor, its bytes against its id), then
    /// all that pass are appended with one write and one flush, and each is answered once durable,
    /// in order. First write wins, as for files: a copy of an id the log holds keeps the held
    /// metadata. A copy of an id this server holds as a file of its own is written as a file.
    /// </summary>
    public Task<StoreResult[]> StoreSmallAsync(IReadOnlyList<SmallCopy> copies, CancellationToken cancellationToken) =>
        StoreSmallAsync(copies, adopted: false, cancellationToken);

    /// <summary>
    /// Stores copies read from the inbox (see <see cref="InboxAdopter"/>) as <see cref="StoreSmallAsync(IReadOnlyList{SmallCopy}, CancellationToken)"/>
    /// stores a batch, but never refuses one for space: it is already durable on this disk and
    /// acknowledged to a client, and refusing it would lose it.
    /// </summary>
    internal Task<StoreResult[]> AdoptSmallAsync(IReadOnlyList<SmallCopy> copies, CancellationToken cancellationToken) =>
        StoreSmallAsync(copies, adopted: true, cancellationToken);

    private async Task<StoreResult[]> StoreSmallAsync(IReadOnlyList<SmallCopy> copies, bool adopted, CancellationToken cancellationToken)
    {
        var results = new StoreResult[copies.Count];
        if (Fault is not null)
        {
            Array.Fill(results, new StoreResult(StoreStatus.Unavailable, default));
            return results;
        }
        var lowOnSpace = !adopted && FreeBytes() < _options.MinFreeBytes;
        var logged = new List<(int Index, LoggedCopy Copy)>();
        var asFiles = new List<(int Index, HybridTimestamp Written)>();
        for (var i = 0; i < copies.Count; i++)
        {
            var copy = copies[i];
            var written = Stamped(copy.Stamp);
            var actual = new HashedContent(ObjectId.Of(copy.Bytes), copy.Bytes.Length);
            if (FindTombstone(copy.Id) is { } deleted && deleted >= written)
            {
                LogRefusedDeleted(_logger, copy.Id, written, deleted);
                results[i] = new StoreResult(StoreStatus.Deleted, default);
            }
            else if (lowOnSpace)
            {
                LogLowOnSpace(_logger, copy.Id, _options.MinFreeBytes);
                results[i] = new StoreResult(StoreStatus.InsufficientStorage, default);
            }
            else if (actual.Id != copy.Id)
            {
                LogHashMismatch(_logger, copy.Id, actual.Id);
                results[i] = new StoreResult(StoreStatus.HashMismatch, actual);
            }
            else if (!_log.TryFind(copy.Id, out _) && File.Exists(DataPath(copy.Id)))
            {
                asFiles.Add((i, written));
            }
            else
            {
                var sums = new ChunkSums.Builder();
                sums.Append(copy.Bytes);
                logged.Add((i, new LoggedCopy(copy.Id, written, MetadataFile.Serialize(copy.Metadata, sums.Build()), copy.Bytes)));
                results[i] = new StoreResult(StoreStatus.Stored, actual);
            }
        }
        try
        {
            await _log.AppendAsync([.. logged.Select(entry => entry.Copy)]);
        }
        catch (IOException)
        {
            // Not written (the log says why), or the flush that would have covered them failed
            // (the store then takes no more writes): either way none of them is acknowledged.
            logged.ForEach(entry => results[entry.Index] = new StoreResult(StoreStatus.Unavailable, default));
            logged.Clear();
        }
        foreach (var (index, copy) in logged)
        {
            if (!SettleWithTombstone(copy.Id))
            {
                // A delete later than this write landed while it was appended: the delete wins.
                results[index] = new StoreResult(StoreStatus.Deleted, results[index].Actual);
                continue;
            }
            LogStored(_logger, copy.Id, copy.Data.Length);
            BlobServerTelemetry.CopiesStored.Add(1);
            BlobServerTelemetry.BytesStored.Add(copy.Data.Length);
        }
        foreach (var (index, written) in asFiles)
        {
            var copy = copies[index];
            using var bytes = new MemoryStream(copy.Bytes, writable: false);
            results[index] = await StoreAsync(copy.Id, bytes, copy.Metadata, written, adopted, copy.Bytes.Length, cancellationToken);
        }
        return results;
    }

    /// <summary>
    /// The bytes of a copy in the log, checked whole against the sums recorded when it was written
    /// (or against its id, for a copy without them) before any of them is handed out. A copy that
    /// fails is quarantined and null is returned, as it is when the copy was removed meanwhile.
    /// </summary>
    public byte[]? ReadLogged(StoredBlob blob)
    {
        var entry = blob.Logged ?? throw new ArgumentException("Not a copy in the small-object log.", nameof(blob));
        string reason;
        try
        {
            var bytes = _log.ReadData(entry);
            if (blob.Chunks is { } chunks ? chunks.MatchesWhole(bytes) : ObjectId.Of(bytes) == blob.Id)
            {
                return bytes;
            }
            reason = "its bytes do not match the checksums recorded when it was written";
        }
        catch (IOException ex)
        {
            reason = $"it could not be read ({ex.Message})";
        }
        QuarantineLogged(blob.Id, entry, reason);
        return null;
    }

    /// <summary>A copy in the log as <see cref="Find"/> answers it before the tombstone is weighed: null when its metadata is damaged (it is quarantined).</summary>
    private StoredBlob? FindLogged(ObjectId id, LogEntry entry)
    {
        MetadataRead metadata;
        try
        {
            metadata = MetadataFile.FromBytes(_log.ReadMetadata(entry));
        }
        catch (IOException ex)
        {
            QuarantineLogged(id, entry, $"its metadata could not be read ({ex.Message})");
            return null;
        }
        if (metadata.State == MetadataState.Damaged)
        {
            LogDamagedMetadata(_logger, id);
            QuarantineLogged(id, entry, "its metadata does not match its checksum");
            return null;
        }
        return new StoredBlob(id, entry, metadata.Metadata, metadata.Chunks);
    }

    /// <summary>As <see cref="CheckAsync"/>, for a copy in the log: its bytes against its id, its metadata against its checksum.</summary>
    private async Task<CopyCheck> CheckLoggedAsync(ObjectId id, LogEntry entry, Func<int, CancellationToken, Task>? spend, CancellationToken cancellationToken)
    {
        string reason;
        try
        {
            var bytes = _log.ReadData(entry);
            var metadata = MetadataFile.FromBytes(_log.ReadMetadata(entry));
            if (spend is not null)
            {
                await spend(bytes.Length, cancellationToken);
            }
            var actual = ObjectId.Of(bytes);
            if (actual != id)
            {
                reason = $"its bytes hash to {actual}";
            }
            else if (metadata.State == MetadataState.Damaged)
            {
                LogDamagedMetadata(_logger, id);
                reason = "its metadata does not match its checksum";
            }
            else
            {
                return new CopyCheck(CopyState.Good, bytes.Length, null);
            }
        }
        catch (IOException ex)
        {
            reason = $"it could not be read ({ex.Message})";
        }
        return QuarantineLogged(id, entry, reason)
            ? new CopyCheck(CopyState.Bad, entry.DataLength, reason)
            : new CopyCheck(CopyState.Missing, 0, null);
    }

    /// <summary>Takes a bad copy out of the log into <c>root/.quarantine</c>, if the log still points at the record that was read.</summary>
    private bool QuarantineLogged(ObjectId id, LogEntry entry, string reason)
    {
        var target = QuarantinePath(id);
        if (!RemoveLogged(id, entry, target))
        {
            LogNotQuarantined(_logger, id);
            return false;
        }
        LogQuarantinedLogged(_logger, id, reason, target);
        BlobServerTelemetry.Quarantined.Add(1);
        return true;
    }

    /// <summary>
    /// Takes a copy out of the log, durably (a removal record), while the log still points at
    /// <paramref name="entry"/>; what its record holds is kept as files at <paramref name="target"/>
    /// (in the trash or the quarantine), as far as it can be read. A store whose writes stopped
    /// cannot record the removal durably: the log forgets the record as a rename would (see
    /// <see cref="SmallObjectLog.Forget"/>).
    /// </summary>
    private bool RemoveLogged(ObjectId id, LogEntry entry, string target)
    {
        if (!_log.TryFind(id, out var current) || current != entry)
        {
            return false;
        }
        CreateDurably(Path.GetDirectoryName(target)!);
        try
        {
            File.WriteAllBytes(target + MetadataSuffix, _log.ReadMetadata(entry));
            File.WriteAllBytes(target, _log.ReadData(entry));
            File.SetLastWriteTimeUtc(target, StoreLayout.ModificationTimeOf(entry.Stamp));
        }
        catch (IOException ex)
        {
            LogNotKept(_logger, id, target, ex);
        }
        bool removed;
        try
        {
            // Removals are rare (deletes, rebalancing, bad copies): waiting here keeps the callers' shape.
            removed = _log.RemoveAsync(id, entry).GetAwaiter().GetResult();
        }
        catch (StoreFaultedException)
        {
            removed = _log.Forget(id, entry);
        }
        if (!removed)
        {
            // Another write replaced the copy meanwhile: what was kept is not what was removed.
            TryDelete(target);
            TryDelete(target + MetadataSuffix);
            return false;
        }
        LogTrashedLogged(_logger, id, target);
        return true;
    }

    /// <summary>When the copy held here (in the log or as a file) was written, or null when there is none.</summary>
    private HybridTimestamp? HeldStamp(ObjectId id) =>
        _log.TryFind(id, out var entry) ? entry.Stamp : CopyStamp(DataPath(id));

    private long HeldSize(ObjectId id)
    {
        if (_log.TryFind(id, out var entry))
        {
            return entry.DataLength;
        }
        var data = new FileInfo(DataPath(id));
        return data.Exists ? data.Length : 0;
    }

    /// <summary>A body of at most <paramref name="max"/> bytes, read whole (a longer one is cut there, and cannot hash to a small copy's id).</summary>
    private static async Task<byte[]> ReadUpToAsync(Stream content, int max, CancellationToken cancellationToken)
    {
        var buffer = new byte[max];
        var read = await content.ReadAtLeastAsync(buffer, max, throwOnEndOfStream: false, cancellationToken);
        return read == max ? buffer : buffer[..read];
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Quarantined {ObjectId} from the small-object log: {Reason}; what its record held is in {Path}")]
    private static partial void LogQuarantinedLogged(ILogger logger, ObjectId objectId, string reason, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed {ObjectId} from the small-object log to {Path}")]
    private static partial void LogTrashedLogged(ILogger logger, ObjectId objectId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not keep what the log record of {ObjectId} held at {Path}")]
    private static partial void LogNotKept(ILogger logger, ObjectId objectId, string path, Exception exception);
}
