using Sos.Core.Placement;
using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>
/// The servers found holding an object (in rendezvous order), what the first of them says
/// about it (its length and metadata: the object's first metadata), and how many servers could
/// not be asked. <see cref="Deleted"/> is the latest delete any server recorded; a copy written
/// no later than it is a leftover on a server that delete missed: not a holder but
/// <see cref="Outdated"/>, and its metadata is not the object's.
/// </summary>
public sealed record CopyCount(IReadOnlyList<BlobServer> Holders, ObjectInfo? Info, int Unavailable, IReadOnlyList<BlobServer> Outdated, HybridTimestamp? Deleted)
{
    public int Copies => Holders.Count;
}
