using Sos.Core.Objects;
using Sos.Core.Time;

namespace Sos.BlobServer.Storage.SmallObjects;

/// <summary>A copy to append to the log: checked against its id already, with its <c>.meta</c> bytes (metadata and chunk sums) made.</summary>
internal sealed record LoggedCopy(ObjectId Id, HybridTimestamp Stamp, byte[] Metadata, ReadOnlyMemory<byte> Data);
