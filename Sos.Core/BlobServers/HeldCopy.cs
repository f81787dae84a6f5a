using System.Text.Json.Serialization;

namespace Sos.Core.BlobServers;

/// <summary>
/// One copy a blob server holds, in its answer to <c>POST /blobs/presence</c>: what a <c>HEAD</c>
/// of the copy would say (length, modification time, the write's timestamp, the metadata).
/// </summary>
public sealed record HeldCopy(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("lastModified")] DateTimeOffset LastModified,
    [property: JsonPropertyName("stamp")] string Stamp,
    [property: JsonPropertyName("metadata")] IReadOnlyDictionary<string, string> Metadata);
