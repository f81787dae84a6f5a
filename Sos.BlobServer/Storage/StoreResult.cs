using Sos.Core.Objects;

namespace Sos.BlobServer.Storage;

public enum StoreStatus
{
    /// <summary>The object is durable on this server (now, or it already was).</summary>
    Stored,

    /// <summary>The bytes do not hash to the id; nothing was kept.</summary>
    HashMismatch,

    /// <summary>The disk is below its free-space floor; nothing was kept.</summary>
    InsufficientStorage,

    /// <summary>A flush failed earlier: the store takes no writes until it is restarted; nothing was kept.</summary>
    Unavailable,

    /// <summary>The id was deleted at or after this write's timestamp: the older write is refused, nothing was kept.</summary>
    Deleted,
}

/// <summary>The outcome of a write. <see cref="Actual"/> is what the bytes really hashed to.</summary>
public readonly record struct StoreResult(StoreStatus Status, HashedContent Actual);
