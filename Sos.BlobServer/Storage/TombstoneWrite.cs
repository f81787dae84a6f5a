using Sos.Core.Time;

namespace Sos.BlobServer.Storage;

/// <summary>
/// The outcome of a tombstone write: the timestamp that now decides (the tombstone's, or the later
/// copy's), and whether a copy or a tombstone of the id was here before.
/// </summary>
public readonly record struct TombstoneWrite(TombstoneStatus Status, HybridTimestamp Stamp, bool Held);
