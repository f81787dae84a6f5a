using Sos.Core.Placement;

namespace Sos.Core.Cluster;

/// <summary>
/// The servers found holding an object (in rendezvous order), what the first of them says
/// about it (its length and metadata: the object's first metadata), and how many servers could
/// not be asked.
/// </summary>
public sealed record CopyCount(IReadOnlyList<BlobServer> Holders, ObjectInfo? Info, int Unavailable)
{
    public int Copies => Holders.Count;
}
