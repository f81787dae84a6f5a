namespace Sos.Core.Cluster;

/// <summary>The outcome of taking, renewing or giving back a named lease on one server.</summary>
public enum LeaseStatus
{
    /// <summary>Taken or renewed by the holder that asked.</summary>
    Held,
    /// <summary>Given back (or it was not held at all).</summary>
    Released,
    /// <summary>Another holder has it and it has not expired.</summary>
    HeldByAnother,
    /// <summary>The server could not answer (down, failing, refusing the credential, or it has no leases).</summary>
    Unavailable,
}
