namespace Sos.BlobServer.Leases;

/// <summary>A named lease held by <see cref="Holder"/> until <see cref="Expires"/>.</summary>
public sealed record Lease(string Name, string Holder, DateTimeOffset Expires);
