using System.Text.Json.Serialization;

namespace Sos.Chaos;

/// <summary>
/// An acknowledged upload: what every later fetch of <paramref name="Id"/> must serve. Its
/// metadata is the first upload's, the one a re-upload must never change.
/// </summary>
internal sealed record ChaosObject(string Id, ulong Seed, long Size, Dictionary<string, string> Metadata, DateTimeOffset AckedAt)
{
    /// <summary>
    /// For an upload of bytes deleted before, the object as it was acknowledged before that delete.
    /// The README lets a deleted object linger for a bounded time (a download cache until its
    /// recheck, a server the delete missed until it gets the tombstone), so until then a fetch may
    /// still answer as that object. Not written to the ledger: the final audit wants the latest.
    /// </summary>
    [JsonIgnore]
    public ChaosObject? BeforeDelete { get; init; }
}
