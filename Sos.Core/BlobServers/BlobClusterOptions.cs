using System.ComponentModel.DataAnnotations;

namespace Sos.Core.BlobServers;

/// <summary>
/// The blob servers a service talks to, as service-discovery addresses (<c>http://blob0</c>):
/// the AppHost fills this in, so no server URL is ever written in appsettings. Outside Aspire
/// the same list takes plain URLs.
/// </summary>
public sealed class BlobClusterOptions
{
    public const string SectionName = "Sos";

    [MinLength(1, ErrorMessage = "Sos:BlobServers lists no blob server; the AppHost sets it, or give Sos__BlobServers__0=http://host:port.")]
    public List<string> BlobServers { get; set; } = [];

    /// <summary>
    /// Optional failure domains: server name (<c>blob0</c>, or <c>host:port</c>) to zone. Copies
    /// of an object go to different zones before two share one.
    /// </summary>
    public Dictionary<string, string> Zones { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// Optional: server name to that server's data directory, where this process can read it (on
    /// the same machine, or a volume mounted read-only). Whole and range reads of copies that are
    /// files of their own then come from the disk, checked chunk by chunk as the server would,
    /// instead of through the server; everything else, and any copy that is not plainly there
    /// and intact, still goes through the server.
    /// </summary>
    public Dictionary<string, string> Volumes { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>How many durable copies an object must have: the upload's write quorum and the replicator's goal.</summary>
    [Range(1, 16)]
    public int MinCopies { get; set; } = 2;
}
