using System.ComponentModel.DataAnnotations;
using Sos.Core.Objects;

namespace Sos.UploadApi.Uploads;

public sealed class UploadOptions
{
    public const string SectionName = "Upload";

    /// <summary>The largest object accepted, in bytes (5 GiB by default); larger uploads get 413.</summary>
    [Range(1, long.MaxValue)]
    public long MaxObjectBytes { get; set; } = ObjectLimits.DefaultMaxObjectBytes;

    /// <summary>
    /// Where bodies are spooled while their SHA-1 is computed (the id decides the servers, so
    /// it must be known before the first copy is sent). Defaults to the system temp directory.
    /// </summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>
    /// A copy to a blob server may take this long plus the time to send its bytes at
    /// <see cref="MinCopyBytesPerSecond"/>; a server slower than that is skipped and the next
    /// server in rendezvous order takes the copy.
    /// </summary>
    public TimeSpan CopyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    [Range(1, long.MaxValue)]
    public long MinCopyBytesPerSecond { get; set; } = 1024 * 1024;

    /// <summary>
    /// Bodies up to this size whose Content-Length is announced are held in memory while their
    /// copies are written, instead of in a spool file (64 KiB by default; 0 spools everything).
    /// </summary>
    [Range(0, int.MaxValue)]
    public int InMemoryMaxBytes { get; set; } = 64 * 1024;

    public string SpoolPath => SpoolDirectory ?? Path.Combine(Path.GetTempPath(), "sos-upload-spool");

    /// <summary>How long a copy of <paramref name="size"/> bytes may take before its server is given up on.</summary>
    public TimeSpan CopyDeadline(long size) => CopyTimeout + TimeSpan.FromSeconds((double)size / MinCopyBytesPerSecond);
}
