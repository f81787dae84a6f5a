namespace Sos.Core.Placement;

/// <summary>Which servers took a copy and which failed, with why (for logs, never for public clients).</summary>
public sealed record FanOutResult(IReadOnlyList<BlobServer> Written, IReadOnlyList<(BlobServer Server, Exception Error)> Failures);
