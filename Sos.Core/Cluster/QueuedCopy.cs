using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>A small copy waiting for its server's next batched write, with the trace context of the upload it belongs to.</summary>
internal sealed record QueuedCopy(ObjectId Id, byte[] Bytes, IReadOnlyDictionary<string, string> Metadata, HybridTimestamp Stamp, string? TraceParent);
