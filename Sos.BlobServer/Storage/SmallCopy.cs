using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.BlobServer.Storage;

/// <summary>A small copy to store, its bytes whole in memory: one part of a batch. <paramref name="Stamp"/> null: now, by this server's clock.</summary>
public sealed record SmallCopy(ObjectId Id, byte[] Bytes, IReadOnlyDictionary<string, string> Metadata, HybridTimestamp? Stamp);
