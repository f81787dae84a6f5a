namespace Sos.BlobServer.Storage;

/// <summary>A <c>.meta</c> that is not there (no metadata), whole, or damaged.</summary>
internal enum MetadataState
{
    Missing,
    Intact,
    Damaged,
}
