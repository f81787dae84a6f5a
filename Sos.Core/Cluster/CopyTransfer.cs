namespace Sos.Core.Cluster;

/// <summary>
/// The outcome of copying one server's copy of an object to another: how the source answered,
/// and, when its copy was read, the object's length and the target's write of it.
/// </summary>
public sealed record CopyTransfer(ReadStatus Source, long Length, CopyWrite? Write);
