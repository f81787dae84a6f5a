namespace Sos.Core.Cluster;

/// <summary>What a holder found when it re-hashed its copy.</summary>
public enum VerifyStatus
{
    /// <summary>The bytes hash to the id and the metadata matches its checksum.</summary>
    Good,
    /// <summary>The server holds no copy.</summary>
    Missing,
    /// <summary>The copy was bad; the server has quarantined it.</summary>
    Bad,
    /// <summary>The server could not answer (down, failing, or it does not verify copies).</summary>
    Unavailable,
}
