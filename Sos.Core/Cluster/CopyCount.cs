using Sos.Core.Placement;
using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>
/// The servers found holding an object (in rendezvous order), what the first of them says
/// about it (its length and metadata: the object's first metadata), and the servers that could
/// not be asked (<see cref="Silent"/>). <see cref="Deleted"/> is the latest delete any server
/// recorded; a copy written no later than it is a leftover on a server that delete missed: not a
/// holder but <see cref="Outdated"/>, and its metadata is not the object's.
/// <see cref="Unaware"/> are the servers that answered without naming that delete, leftovers or not.
/// </summary>
public sealed record CopyCount(
    IReadOnlyList<BlobServer> Holders, ObjectInfo? Info, IReadOnlyList<BlobServer> Silent,
    IReadOnlyList<BlobServer> Outdated, HybridTimestamp? Deleted, IReadOnlyList<BlobServer> Unaware)
{
    public int Copies => Holders.Count;

    /// <summary>How many servers could not say whether they hold the object.</summary>
    public int Unavailable => Silent.Count;
}
