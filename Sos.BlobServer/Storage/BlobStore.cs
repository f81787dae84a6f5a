using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

/// <summary>
/// The storage engine of a blob server: objects on local disk, free of HTTP. Layout:
/// <c>root/ab/cd/abcd…</c> for the bytes and <c>abcd….meta</c> (JSON) for the metadata beside
/// them, when there is any; writes stage in <c>root/.tmp</c> on the same file system so the final rename is atomic.
/// </summary>
public sealed partial class BlobStore
{
    internal const string MetadataSuffix = ".meta";
    private const string TempFolder = ".tmp";
    private const string QuarantineFolder = ".quarantine";

    private readonly string _root;
    private readonly string _temp;
    private readonly BlobStoreOptions _options;
    private readonly IDurableCommitter _committer;
    private readonly ILogger<BlobStore> _logger;

    public BlobStore(IOptions<BlobStoreOptions> options, IDurableCommitter committer, ILogger<BlobStore> logger)
    {
        _options = options.Value;
        _root = Path.GetFullPath(_options.Root);
        _temp = Path.Combine(_root, TempFolder);
        _committer = committer;
        _logger = logger;
        Directory.CreateDirectory(_temp);
        RemoveAbandonedTempFiles();
    }

    public string Root => _root;

    /// <summary>Where writes stage before they are committed.</summary>
    public string TempDirectory => _temp;

    /// <summary>
    /// Streams the content to a temp file while hashing it; keeps it only if it hashes to
    /// <paramref name="id"/>, and returns only once the copy is durable under its real name.
    /// </summary>
    public async Task<StoreResult> StoreAsync(ObjectId id, Stream content, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        using var activity = BlobServerTelemetry.Source.StartActivity("sos.blob.store");
        activity?.SetTag("sos.object.id", id.ToString());
        if (FreeBytes() < _options.MinFreeBytes)
        {
            LogLowOnSpace(_logger, id, _options.MinFreeBytes);
            return new StoreResult(StoreStatus.InsufficientStorage, default);
        }

        var tempData = Path.Combine(_temp, $"{id}.{Guid.NewGuid():N}");
        // No metadata, no .meta file (reads take a missing one as empty): one file create,
        // write-back and rename fewer per copy.
        var tempMetadata = metadata.Count == 0 ? null : tempData + MetadataSuffix;
        try
        {
            HashedContent actual;
            await using (var file = new FileStream(tempData, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0, FileOptions.Asynchronous))
            {
                actual = await HashingCopy.CopyAsync(content, file, _options.MaxObjectBytes, cancellationToken);
            }
            activity?.SetTag("sos.object.size", actual.Size);
            if (actual.Id != id)
            {
                LogHashMismatch(_logger, id, actual.Id);
                activity?.SetStatus(ActivityStatusCode.Error, "hash mismatch");
                return new StoreResult(StoreStatus.HashMismatch, actual);
            }
            if (tempMetadata is not null)
            {
                await File.WriteAllBytesAsync(tempMetadata, JsonSerializer.SerializeToUtf8Bytes(metadata), cancellationToken);
            }
            // Even when a copy is already here it is replaced: the new bytes are known good,
            // the old ones may have rotted since, and the rename makes the swap atomic.
            var finalData = DataPath(id);
            Directory.CreateDirectory(Path.GetDirectoryName(finalData)!);
            await _committer.CommitAsync(new StagedBlob(tempData, tempMetadata, finalData, finalData + MetadataSuffix, actual.Size), cancellationToken);
            LogStored(_logger, id, actual.Size);
            BlobServerTelemetry.CopiesStored.Add(1);
            BlobServerTelemetry.BytesStored.Add(actual.Size);
            return new StoreResult(StoreStatus.Stored, actual);
        }
        finally
        {
            // After a commit these are gone. After a failure nothing half-written may stay: a
            // committer answers only once it is done with the files, so deleting them is safe.
            TryDelete(tempData);
            if (tempMetadata is not null)
            {
                TryDelete(tempMetadata);
            }
        }
    }

    /// <summary>The copy of <paramref name="id"/> on this server, or null.</summary>
    public StoredBlob? Find(ObjectId id)
    {
        var data = new FileInfo(DataPath(id));
        if (!data.Exists)
        {
            return null;
        }
        return new StoredBlob(id, data, ReadMetadata(data.FullName + MetadataSuffix));
    }

    /// <summary>
    /// Moves a copy that no longer matches its id out of service: it is never served or listed
    /// again, and stays in <c>root/.quarantine</c> for a person to look at. Returns false when
    /// there was no copy to move.
    /// </summary>
    public bool Quarantine(ObjectId id)
    {
        var data = DataPath(id);
        var quarantine = Path.Combine(_root, QuarantineFolder);
        Directory.CreateDirectory(quarantine);
        var target = Path.Combine(quarantine, $"{id}.{DateTimeOffset.UtcNow:yyyyMMddTHHmmssfff}");
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
        LogQuarantined(_logger, id, target);
        BlobServerTelemetry.Quarantined.Add(1);
        return true;
    }

    /// <summary>
    /// Removes this server's copy, bytes and metadata (the replicator's rebalance, once the
    /// object's preferred servers hold it). The bytes go first, so a copy is never listed or
    /// served without its metadata. Returns false when there was no copy.
    /// </summary>
    public bool Delete(ObjectId id)
    {
        var data = DataPath(id);
        if (!File.Exists(data))
        {
            return false;
        }
        File.Delete(data);
        File.Delete(data + MetadataSuffix);
        LogDeleted(_logger, id);
        return true;
    }

    /// <summary>Every id held, in ascending order, starting after <paramref name="after"/>; lazily, one shard at a time.</summary>
    public IEnumerable<ObjectId> List(ObjectId? after = null)
    {
        var start = after?.ToString() ?? "";
        foreach (var level1 in ShardDirectories(_root, start.Length >= 2 ? start[..2] : ""))
        {
            foreach (var level2 in ShardDirectories(level1, start.Length >= 4 && Path.GetFileName(level1) == start[..2] ? start[2..4] : ""))
            {
                var ids = new List<ObjectId>();
                foreach (var file in Directory.EnumerateFiles(level2))
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
    }

    /// <summary>Free bytes on the disk that holds the store.</summary>
    public long FreeBytes() => new DriveInfo(_root).AvailableFreeSpace;

    internal string DataPath(ObjectId id)
    {
        var hex = id.ToString();
        return Path.Combine(_root, hex[..2], hex[2..4], hex);
    }

    private static IEnumerable<string> ShardDirectories(string parent, string from)
    {
        if (!Directory.Exists(parent))
        {
            return [];
        }
        return Directory.EnumerateDirectories(parent)
            .Where(path => IsShardName(Path.GetFileName(path)) && string.CompareOrdinal(Path.GetFileName(path), from) >= 0)
            .Order(StringComparer.Ordinal);
    }

    private static bool IsShardName(string name) =>
        name.Length == 2 && name.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static Dictionary<string, string> ReadMetadata(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            var stored = JsonSerializer.Deserialize<Dictionary<string, string>>(stream);
            var metadata = ObjectMetadata.CreateEmpty();
            foreach (var (name, value) in stored ?? [])
            {
                metadata[name] = value;
            }
            return metadata;
        }
        catch (FileNotFoundException)
        {
            return ObjectMetadata.CreateEmpty(); // copied in by hand, or by a tool that keeps none
        }
        catch (JsonException)
        {
            // Damaged metadata must not make the bytes unreadable; they are still checked by their id.
            return ObjectMetadata.CreateEmpty();
        }
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

    [LoggerMessage(Level = LogLevel.Error, Message = "Quarantined {ObjectId}: its bytes no longer match its id; moved to {Path}")]
    private static partial void LogQuarantined(ILogger logger, ObjectId objectId, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Deleted {ObjectId}")]
    private static partial void LogDeleted(ILogger logger, ObjectId objectId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Removed abandoned temp file {Path}")]
    private static partial void LogRemovedTempFile(ILogger logger, string path);
}
