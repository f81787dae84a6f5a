namespace Sos.Core.BlobServers;

/// <summary>
/// The cluster's internal token (<c>Sos:InternalToken</c>, a secret parameter of the AppHost):
/// blob servers require it as <c>Authorization: Bearer &lt;token&gt;</c>, and every service sends it.
/// Empty means a blob server accepts any request, as the original sos blob-server did.
/// </summary>
public sealed class InternalTokenOptions
{
    public const string SectionName = "Sos";

    public string? InternalToken { get; set; }

    public bool IsRequired => !string.IsNullOrEmpty(InternalToken);
}
