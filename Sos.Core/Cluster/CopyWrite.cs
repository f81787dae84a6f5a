namespace Sos.Core.Cluster;

/// <summary>Whether one server made a copy durable; <see cref="Failure"/> says why not (for logs, never for public clients).</summary>
public sealed record CopyWrite(bool Written, string? Failure);
