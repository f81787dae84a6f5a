using Sos.BlobServer.Storage.SmallObjects;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.BlobServer.Storage;

/// <summary>A copy held on this server, as a file of its own or as a record of the small-object log: what is known about it without reading its bytes.</summary>
public sealed class StoredBlob
{
    private readonly string? _path;

    public StoredBlob(ObjectId id, FileInfo data, IReadOnlyDictionary<string, string> metadata, ChunkSums? chunks = null)
        : this(id, data.Length, StoreLayout.StampOf(data.LastWriteTimeUtc), metadata, chunks)
    {
        _path = data.FullName;
    }

    internal StoredBlob(ObjectId id, LogEntry logged, IReadOnlyDictionary<string, string> metadata, ChunkSums? chunks)
        : this(id, logged.DataLength, logged.Stamp, metadata, chunks)
    {
        Logged = logged;
    }

    private StoredBlob(ObjectId id, long length, HybridTimestamp stamp, IReadOnlyDictionary<string, string> metadata, ChunkSums? chunks)
    {
        Id = id;
        Length = length;
        Stamp = stamp;
        LastModified = stamp.Time;
        Metadata = metadata;
        Chunks = chunks;
    }

    public ObjectId Id { get; }

    public long Length { get; }

    public DateTimeOffset LastModified { get; }

    /// <summary>When the copy was written, by the writer's hybrid clock: a file keeps it as its modification time, a log record in its header.</summary>
    public HybridTimestamp Stamp { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>The sums recorded when the copy was written; null for copies older than them.</summary>
    public ChunkSums? Chunks { get; }

    /// <summary>Where the copy is in the small-object log; null for a copy that is a file of its own.</summary>
    internal LogEntry? Logged { get; }

    /// <summary>Opens the bytes of a copy that is a file of its own. Unbuffered: callers copy with buffers of their own.</summary>
    public FileStream OpenRead() =>
        new(_path ?? throw new InvalidOperationException("A copy in the small-object log is read through the store."),
            FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);

    /// <summary>Which file an open read holds, so that only that file is quarantined if it proves bad.</summary>
    public static FileIdentity? IdentityOf(FileStream file) => FileIdentity.Of(file.SafeFileHandle);
}
