namespace Sos.BlobServer.Blobs;

/// <summary>The body of <c>GET /identity</c>: this server's stable identity.</summary>
public sealed record ServerIdentity(string Id);
