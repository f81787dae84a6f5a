using Sos.Core.Time;

namespace Sos.Core.Storage;

/// <summary>A copy read from a small-object log and checked against its record's sums: its write's timestamp, its <c>.meta</c> bytes and its bytes.</summary>
public sealed record LoggedCopyRead(HybridTimestamp Stamp, ReadOnlyMemory<byte> Metadata, ReadOnlyMemory<byte> Data);
