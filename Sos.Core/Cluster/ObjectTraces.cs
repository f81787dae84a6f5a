using Sos.Core.Placement;

namespace Sos.Core.Cluster;

/// <summary>The servers that hold a copy or a tombstone of an object, and how many could not be asked.</summary>
public sealed record ObjectTraces(IReadOnlyList<BlobServer> Holders, int Unavailable);
