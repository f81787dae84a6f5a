using Sos.Core.BlobServers;

namespace Sos.DownloadApi.Fetch;

/// <summary>
/// What a fetch's response says about its object besides the bytes, the same whether it comes
/// from a blob server's answer or from the cache: the body's length, the copy's modification
/// time and the <c>X-</c> metadata.
/// </summary>
public sealed record ObjectHeaders(long? Length, DateTimeOffset? LastModified, IReadOnlyDictionary<string, string> Metadata)
{
    public static ObjectHeaders Of(BlobResponse copy) => new(copy.Length, copy.LastModified, copy.Metadata);
}
