using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.BlobServer.Storage;

/// <summary>A copy held on this server: what is known about it without reading its bytes.</summary>
public sealed class StoredBlob(ObjectId id, FileInfo data, IReadOnlyDictionary<string, string> metadata, ChunkSums? chunks = null)
{
    public ObjectId Id { get; } = id;

    public long Length { get; } = data.Length;

    public DateTimeOffset LastModified { get; } = data.LastWriteTimeUtc;

    /// <summary>When the copy was written, by the writer's hybrid clock: the store keeps it as the file's modification time.</summary>
    public HybridTimestamp Stamp { get; } = new(data.LastWriteTimeUtc.Ticks);

    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    /// <summary>The sums recorded when the copy was written; null for copies older than them.</summary>
    public ChunkSums? Chunks { get; } = chunks;

    /// <summary>Opens the bytes. Unbuffered: callers copy with buffers of their own.</summary>
    public FileStream OpenRead() =>
        new(data.FullName, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);

    /// <summary>Which file an open read holds, so that only that file is quarantined if it proves bad.</summary>
    public static FileIdentity? IdentityOf(FileStream file) => Libc.IdentityOf(file.SafeFileHandle);
}
