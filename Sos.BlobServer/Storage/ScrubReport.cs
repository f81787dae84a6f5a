namespace Sos.BlobServer.Storage;

/// <summary>What one full scrub found.</summary>
public sealed record ScrubReport(long Objects, long Bytes, long Quarantined, TimeSpan Duration);
