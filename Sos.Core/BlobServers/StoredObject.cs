using System.Text.Json.Serialization;

namespace Sos.Core.BlobServers;

/// <summary>The reply of a blob server to a stored blob, and of the upload API to an upload.</summary>
public sealed record StoredObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("size")] long Size,
    [property: JsonPropertyName("status")] string Status);
