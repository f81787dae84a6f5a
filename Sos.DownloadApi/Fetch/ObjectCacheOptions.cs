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

    /// <summary>
    /// How long a cached object is answered from memory before the blob servers are asked again
    /// whether it still exists (10 s by default): the bound on how long a deleted object can still
    /// be served from this cache. While no blob server answers, cached objects go on being served.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "24855.00:00:00")]
    public TimeSpan RecheckAfter { get; set; } = TimeSpan.FromSeconds(10);
}
