namespace Sos.Chaos;

/// <summary>What the load phase runs against, and for how long.</summary>
internal sealed record LoadSettings(Uri UploadApi, Uri DownloadApi, TimeSpan Duration, int Workers, int Seed, long MaxBigBytes);
