using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>
/// What a copy says about its object besides the bytes: the whole object's length (null when
/// the server did not say and it was not measured), the copy's modification time, and the
/// object's <c>X-</c> metadata, and the timestamp of the write that made the copy (null from a
/// server that does not keep one, such as an original sos blob-server). <see cref="Deleted"/> is
/// a delete the server recorded before that write (the object was uploaded again after it).
/// </summary>
public sealed record ObjectInfo(long? Length, DateTimeOffset? LastModified, IReadOnlyDictionary<string, string> Metadata, HybridTimestamp? Stamp = null, HybridTimestamp? Deleted = null);
