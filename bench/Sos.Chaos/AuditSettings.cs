namespace Sos.Chaos;

/// <summary>What the final audit checks against.</summary>
internal sealed record AuditSettings(Uri DownloadApi, IReadOnlyList<BlobServerDisk> Servers, string? Token, int MinCopies, int Parallelism);
