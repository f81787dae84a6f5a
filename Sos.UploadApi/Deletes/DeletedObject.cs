using System.Text.Json.Serialization;

namespace Sos.UploadApi.Deletes;

/// <summary>The answer to an acknowledged delete: <c>{"id","status":"deleted","deletedAt"}</c>.</summary>
public sealed record DeletedObject(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("deletedAt")] DateTimeOffset DeletedAt);
