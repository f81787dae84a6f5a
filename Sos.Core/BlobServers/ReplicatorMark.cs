using System.Text.Json.Serialization;

namespace Sos.Core.BlobServers;

/// <summary>
/// A blob server's "last seen by the replicator" mark, on the wire (<c>/replicator/seen</c>):
/// <see cref="SeenAt"/> is the start of the latest pass that reached the server and brought it
/// every delete known then (null when no pass has yet), <see cref="CreatedAt"/> when the server's
/// store was first started. A server away longer than the tombstone grace may hold copies whose
/// tombstones were collected meanwhile; the mark is how the replicator tells.
/// </summary>
public sealed record ReplicatorMark(
    [property: JsonPropertyName("seenAt")] DateTimeOffset? SeenAt,
    [property: JsonPropertyName("createdAt")] DateTimeOffset? CreatedAt = null);
