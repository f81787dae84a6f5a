using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.Core.Storage;

/// <summary>
/// A small copy for a server's inbox: its bytes (already hashed to <see cref="Id"/>), its metadata,
/// its write's timestamp and the trace context of the upload it belongs to.
/// </summary>
public sealed record InboxCopy(ObjectId Id, ReadOnlyMemory<byte> Bytes, IReadOnlyDictionary<string, string> Metadata, HybridTimestamp Stamp, string? TraceParent = null);
