using System.ComponentModel.DataAnnotations;

namespace Sos.UploadApi.Uploads;

public sealed class UploadOptions
{
    public const string SectionName = "Upload";

    /// <summary>The largest object accepted, in bytes (5 GiB by default); larger uploads get 413.</summary>
    [Range(0, long.MaxValue)]
    public long MaxObjectBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>
    /// Where bodies are spooled while their SHA-1 is computed (the id decides the servers, so
    /// it must be known before the first copy is sent). Defaults to the system temp directory.
    /// </summary>
    public string? SpoolDirectory { get; set; }
}
