namespace Sos.BlobServer.Storage;

/// <summary>
/// The store takes no writes: a flush failed, and whatever was written since may not be on disk.
/// Only a restart (after an operator looked at the disk) lifts it.
/// </summary>
public sealed class StoreFaultedException(Exception fault)
    : IOException("A flush of this blob server's disk failed; it takes no writes until it is restarted.", fault);
