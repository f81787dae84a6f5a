namespace Sos.BlobServer.Security;

/// <summary>What the credential of a request allows.</summary>
public enum TokenScope
{
    /// <summary>Read and store copies: the internal token, or anyone on a server without tokens.</summary>
    ReadWrite,

    /// <summary>Also record deletes (tombstones): the delete token, which only the upload API holds.</summary>
    Delete,

    /// <summary>Also remove copies, take leases and record or forget deletes: the replicator's token.</summary>
    Replicator,
}
