namespace Sos.BlobServer.Security;

/// <summary>What the credential of a request allows.</summary>
public enum TokenScope
{
    /// <summary>Read and store copies: the internal token, or anyone on a server without tokens.</summary>
    ReadWrite,

    /// <summary>Also remove copies and take leases: the replicator's token.</summary>
    Replicator,
}
