namespace Sos.BlobServer.Storage;

public enum CopyState
{
    /// <summary>No copy here (or it went while it was read).</summary>
    Missing,

    /// <summary>The bytes hash to the id and the metadata matches its checksum.</summary>
    Good,

    /// <summary>The copy was wrong or unreadable and is now quarantined.</summary>
    Bad,
}
