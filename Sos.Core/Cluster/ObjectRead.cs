using Sos.Core.Placement;
using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>
/// The answer to reading an object: whether it was found, and then its headers and its bytes,
/// whole or the range asked for. Dispose it when done: it owns the connection (or the file) the bytes come from.
/// </summary>
public sealed class ObjectRead : IDisposable
{
    private readonly IDisposable? _owner;
    private bool _checked;

    private ObjectRead(ReadStatus status, ReadPart part, BlobServer? server, ObjectInfo? info, ObjectPart? range, Stream? body, IDisposable? owner)
    {
        Status = status;
        Part = part;
        Server = server;
        Info = info;
        Range = range;
        Body = body;
        _owner = owner;
    }

    public ReadStatus Status { get; }

    /// <summary>Whole, partial or unsatisfiable, when found.</summary>
    public ReadPart Part { get; }

    /// <summary>The server that answered, when found.</summary>
    public BlobServer? Server { get; }

    public ObjectInfo? Info { get; }

    /// <summary>For a partial read, the bytes <see cref="Body"/> carries; for an unsatisfiable one, only the object's length is known.</summary>
    public ObjectPart? Range { get; }

    /// <summary>
    /// The bytes, null for a headers-only read. A whole body is checked against the id: it
    /// fails before its last bytes (or, chunked, before its end) when they are wrong, and a
    /// copy that ends early fails the read; so a body copied out never completes when it is bad.
    /// </summary>
    public Stream? Body { get; }

    /// <summary>
    /// The whole object, read and checked against its id before this answer was given (small
    /// objects), or null. Valid until the read is disposed.
    /// </summary>
    public ReadOnlyMemory<byte>? CheckedBytes => _checked && Body is PooledBytesStream pooled ? pooled.Bytes : (ReadOnlyMemory<byte>?)null;

    /// <summary>Requests sent to blob servers for this read, and how many of them failed.</summary>
    public int Requests { get; private set; }

    public int Failures { get; private set; }

    /// <summary>For a server's answer that it recorded a delete of the object: when the delete was made.</summary>
    internal HybridTimestamp? DeletedAt { get; private init; }

    internal static ObjectRead NotFound(ReadStatus status) => new(status, ReadPart.Whole, null, null, null, null, null);

    internal static ObjectRead Deleted(HybridTimestamp stamp) => new(ReadStatus.Missing, ReadPart.Whole, null, null, null, null, null) { DeletedAt = stamp };

    internal static ObjectRead Whole(BlobServer server, ObjectInfo info, Stream? body, IDisposable? owner) =>
        new(ReadStatus.Found, ReadPart.Whole, server, info, null, body, owner);

    internal static ObjectRead Checked(BlobServer server, ObjectInfo info, PooledBytesStream body) =>
        new(ReadStatus.Found, ReadPart.Whole, server, info, null, body, null) { _checked = true };

    internal static ObjectRead Partial(BlobServer server, ObjectInfo info, ObjectPart range, Stream body, IDisposable? owner) =>
        new(ReadStatus.Found, ReadPart.Partial, server, info, range, body, owner);

    internal static ObjectRead Unsatisfiable(BlobServer server, ObjectInfo info) =>
        new(ReadStatus.Found, ReadPart.Unsatisfiable, server, info, null, null, null);

    /// <summary>The same read, with the object's length measured apart (its server did not send it).</summary>
    internal ObjectRead WithLength(long length) =>
        new(Status, Part, Server, Info! with { Length = length }, Range, Body, _owner) { _checked = _checked };

    internal ObjectRead Counted(int requests, int failures)
    {
        Requests = requests;
        Failures = failures;
        return this;
    }

    public void Dispose()
    {
        Body?.Dispose();
        _owner?.Dispose();
    }
}
