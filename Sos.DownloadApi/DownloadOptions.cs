using System.ComponentModel.DataAnnotations;

namespace Sos.DownloadApi;

/// <summary>Settings of the public read path (section <c>Download</c>).</summary>
public sealed class DownloadOptions
{
    public const string SectionName = "Download";

    /// <summary>
    /// Whether active content (HTML, SVG, XML, JavaScript) may be shown inline. Off by default:
    /// anyone can upload, so such objects go out as attachments and never run in this origin.
    /// </summary>
    public bool AllowActiveContentInline { get; set; }

    /// <summary>
    /// Connections the download API keeps open at once (1000 by default); more wait in the
    /// listen queue. With each connection's memory bounded, this bounds the whole.
    /// </summary>
    [Range(1, long.MaxValue)]
    public long MaxConcurrentConnections { get; set; } = 1000;

    /// <summary>
    /// The <c>Cache-Control</c> of every object answer. The default lets browsers and CDNs keep an
    /// object for a year without asking again, which content addressing makes exact but which a
    /// delete cannot reach: a deployment that deletes sets a bound it can live with, such as
    /// <c>public, max-age=300</c>.
    /// </summary>
    [Required]
    public string CacheControl { get; set; } = "public, max-age=31536000, immutable";
}
