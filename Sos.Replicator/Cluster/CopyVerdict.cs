namespace Sos.Replicator.Cluster;

/// <summary>What a blob server found when it re-hashed its copy of an object.</summary>
internal enum CopyVerdict
{
    /// <summary>The bytes hash to the id and the metadata matches its checksum.</summary>
    Good,

    /// <summary>The server holds no copy (any more).</summary>
    Missing,

    /// <summary>The copy was damaged; the server has quarantined it, so it no longer holds one.</summary>
    Bad,
}
