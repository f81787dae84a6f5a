using Sos.Core.Placement;

namespace Sos.Replicator.Cluster;

/// <summary>A copy written: which holder it was read from, and its length.</summary>
internal sealed record CopyMade(BlobServer Source, long Bytes);
