namespace Sos.BlobServer.Storage;

public enum TombstoneStatus
{
    /// <summary>The tombstone is durable (now, or a later one already was) and no older copy is served.</summary>
    Deleted,

    /// <summary>A copy written after the delete is held: the later write wins, nothing was recorded.</summary>
    Superseded,

    /// <summary>A flush failed earlier: the store takes no writes until it is restarted.</summary>
    Unavailable,
}
