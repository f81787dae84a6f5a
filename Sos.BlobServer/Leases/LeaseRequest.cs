namespace Sos.BlobServer.Leases;

/// <summary>The body of <c>PUT /leases/{name}</c>: who asks, and for how many seconds.</summary>
public sealed record LeaseRequest(string? Holder, int Seconds);
