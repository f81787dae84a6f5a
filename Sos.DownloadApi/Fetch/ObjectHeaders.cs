using Sos.Core.Cluster;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// What a fetch's response says about its object besides the bytes, the same whether it comes
/// from a blob server's answer or from the cache: the object's length (null when a server sent
/// it chunked and it is larger than what is read ahead), the copy's modification time and the
/// <c>X-</c> metadata.
/// </summary>
public sealed record ObjectHeaders(long? Length, DateTimeOffset? LastModified, IReadOnlyDictionary<string, string> Metadata)
{
    public static ObjectHeaders Of(ObjectInfo info) => new(info.Length, info.LastModified, info.Metadata);

    /// <summary>Whether <paramref name="other"/> says the same of the object: same length, modification time and metadata.</summary>
    public bool Describes(ObjectHeaders other) =>
        Length == other.Length && LastModified == other.LastModified && Metadata.Count == other.Metadata.Count
        && Metadata.All(pair => other.Metadata.TryGetValue(pair.Key, out var value) && value == pair.Value);
}
