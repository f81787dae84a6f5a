using System.ComponentModel.DataAnnotations;

namespace Sos.BlobServer.Storage;

public sealed class BlobStoreOptions
{
    public const string SectionName = "BlobStore";

    /// <summary>Where this server keeps its objects. The AppHost gives each blob server its own.</summary>
    [Required]
    public string Root { get; set; } = "data";

    /// <summary>The largest object accepted, in bytes (5 GiB by default).</summary>
    [Range(1, long.MaxValue)]
    public long MaxObjectBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    /// <summary>Below this much free disk, in bytes, writes are refused (507) while reads go on.</summary>
    [Range(0, long.MaxValue)]
    public long MinFreeBytes { get; set; } = 256L * 1024 * 1024;
}
