using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.BlobServer.Blobs;

/// <summary>One part of a copy batch, read whole: its bytes are at most <see cref="Sos.Core.BlobServers.CopyBatch.MaxCopyBytes"/>.</summary>
internal sealed record BatchedCopy(ObjectId Id, byte[] Bytes, Dictionary<string, string> Metadata, HybridTimestamp? Stamp, string? TraceParent);
