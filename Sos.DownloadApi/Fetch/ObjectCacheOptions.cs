using System.ComponentModel.DataAnnotations;

namespace Sos.DownloadApi.Fetch;

/// <summary>The download API's cache of hot small objects (section <c>Download:Cache</c>).</summary>
public sealed class ObjectCacheOptions
{
    public const string SectionName = "Download:Cache";

    /// <summary>Memory the cached objects may take in all, in bytes (64 MiB by default); 0 turns the cache off.</summary>
    [Range(0, long.MaxValue)]
    public long MaxBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// The largest object kept, in bytes (64 KiB by default, also the most). Only objects read
    /// whole and checked against their id before they are sent can enter the cache, and those are
    /// at most <see cref="ObjectSource.CheckFirstMaxBytes"/>.
    /// </summary>
    [Range(0d, ObjectSource.CheckFirstMaxBytes)]
    public long MaxObjectBytes { get; set; } = 64 * 1024;
}
