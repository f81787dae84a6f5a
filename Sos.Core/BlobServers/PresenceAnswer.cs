using System.Text.Json.Serialization;

namespace Sos.Core.BlobServers;

/// <summary>
/// A blob server's answer to <c>POST /blobs/presence</c>: the copies it holds of the ids asked
/// about, and the tombstones it holds of them. An id can have both (a copy written after its
/// delete); a copy no later than a tombstone of its id on any server is a leftover of a delete
/// that server missed.
/// </summary>
public sealed record PresenceAnswer(
    [property: JsonPropertyName("copies")] HeldCopy[] Copies,
    [property: JsonPropertyName("tombstones")] TombstoneRecord[] Tombstones)
{
    public const string Route = "blobs/presence";
}
