using Sos.Core.Placement;

namespace Sos.Replicator.Deletes;

/// <summary>
/// The delete step of a pass: deleted ids known, tombstones brought to servers, collected, failed
/// writes, servers not listed, and the servers that now hold every tombstone known to the pass.
/// </summary>
internal sealed record TombstoneReport(int Held, int Spread, int Collected, int Failed, int Unlisted, IReadOnlySet<BlobServer> CaughtUp);
