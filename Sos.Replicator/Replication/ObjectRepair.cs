using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Replicator.Replication;

/// <summary>
/// What one object needs: copies, where from and where to, and which copies may go afterwards.
/// </summary>
/// <param name="Id">The object.</param>
/// <param name="Holders">The servers that listed it, in the object's rendezvous order: the first is the preferred source.</param>
/// <param name="Targets">
/// Where new copies go, in rendezvous order: its preferred servers that lack it first; for an
/// object below its minimum, the later ones take a copy when an earlier one fails (handoff).
/// </param>
/// <param name="CopiesNeeded">How many copies to make. May exceed <paramref name="Targets"/> when there are too few servers.</param>
/// <param name="UnderReplicated">Fewer copies than the minimum were listed (with <c>--verify</c>: verified).</param>
/// <param name="Preferred">The first minimum-copies servers in rendezvous order: where the object belongs.</param>
/// <param name="Handoffs">
/// Holders outside <paramref name="Preferred"/>, to remove once every preferred server's copy was
/// verified by hash in the same pass; empty unless the pass rebalances.
/// </param>
internal sealed record ObjectRepair(
    ObjectId Id,
    IReadOnlyList<BlobServer> Holders,
    IReadOnlyList<BlobServer> Targets,
    int CopiesNeeded,
    bool UnderReplicated,
    IReadOnlyList<BlobServer> Preferred,
    IReadOnlyList<BlobServer> Handoffs);
