using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

/// <summary>A copy held on this server: what is known about it without reading its bytes.</summary>
public sealed class StoredBlob(ObjectId id, FileInfo data, IReadOnlyDictionary<string, string> metadata)
{
    public ObjectId Id { get; } = id;

    public long Length { get; } = data.Length;

    public DateTimeOffset LastModified { get; } = data.LastWriteTimeUtc;

    public IReadOnlyDictionary<string, string> Metadata { get; } = metadata;

    /// <summary>Opens the bytes. Unbuffered: callers copy with buffers of their own.</summary>
    public Stream OpenRead() =>
        new FileStream(data.FullName, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.SequentialScan);

    /// <summary>
    /// Opens the bytes for a whole read that checks them against the id: the read that would
    /// hand out the last bytes throws <see cref="CorruptCopyException"/> instead when they are wrong.
    /// </summary>
    public Stream OpenVerifiedRead() => new VerifyingReadStream(OpenRead(), Id, Length);
}
