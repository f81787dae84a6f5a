namespace Sos.BlobServer.Security;

/// <summary>
/// A blob server's two secrets. <c>Sos:InternalToken</c> lets a client read and write (the
/// upload and download APIs hold it); <c>Sos:ReplicatorToken</c> also lets it remove copies and
/// take leases (only the replicator holds it). With neither set the server is open for reads and
/// writes, as the original sos blob-server was, and refuses every removal. <c>Sos:DeleteToken</c>
/// reads, writes and records deletes (tombstones): the upload API holds it, so that the download
/// API, which holds only the internal token, can never delete.
/// </summary>
public sealed class BlobServerTokenOptions
{
    public const string SectionName = "Sos";

    public string? InternalToken { get; set; }

    public string? ReplicatorToken { get; set; }

    public string? DeleteToken { get; set; }

    public bool IsRequired => !string.IsNullOrEmpty(InternalToken) || !string.IsNullOrEmpty(ReplicatorToken) || !string.IsNullOrEmpty(DeleteToken);
}
