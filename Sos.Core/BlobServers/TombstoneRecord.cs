using System.Text.Json.Serialization;

namespace Sos.Core.BlobServers;

/// <summary>
/// A blob server's record that an id was deleted, on the wire: the id and the hybrid-clock
/// timestamp of the delete (UTC ticks). <see cref="Status"/> answers a tombstone write:
/// <c>deleted</c> (the tombstone holds), or <c>superseded</c> (the server holds a copy written
/// after it, which stays). <see cref="Held"/> says whether the server had a copy or a tombstone
/// of the id before this write.
/// </summary>
public sealed record TombstoneRecord(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("timestamp")] long Timestamp,
    [property: JsonPropertyName("status")] string? Status = null,
    [property: JsonPropertyName("held")] bool? Held = null)
{
    /// <summary>
    /// The header of a blob server's <c>404</c> for a tombstoned id: the delete's timestamp, so that
    /// a reader can tell a copy elsewhere that the delete missed. An original sos server never sends it.
    /// </summary>
    public const string Header = "Sos-Deleted";

    public const string Deleted = "deleted";

    public const string Superseded = "superseded";
}
