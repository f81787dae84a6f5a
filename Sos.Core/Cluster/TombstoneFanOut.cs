using Sos.Core.Placement;
using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>
/// Which servers recorded a delete, the delete's timestamp, and whether any of them held a copy or
/// a tombstone of the object before.
/// </summary>
public sealed record TombstoneFanOut(FanOutResult Result, HybridTimestamp Stamp, bool Held);
