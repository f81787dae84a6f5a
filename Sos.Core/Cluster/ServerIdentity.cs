using System.Text.Json.Serialization;

namespace Sos.Core.Cluster;

/// <summary>A blob server's answer to <c>GET /identity</c>.</summary>
internal sealed record ServerIdentity([property: JsonPropertyName("id")] string? Id);
