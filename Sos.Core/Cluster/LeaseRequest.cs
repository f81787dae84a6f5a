using System.Text.Json.Serialization;

namespace Sos.Core.Cluster;

/// <summary>The body of <c>PUT /leases/{name}</c>.</summary>
internal sealed record LeaseRequest([property: JsonPropertyName("holder")] string Holder, [property: JsonPropertyName("seconds")] int Seconds);
