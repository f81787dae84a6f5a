namespace Sos.Core.Storage;

/// <summary>A <c>.meta</c> that is not there (no metadata), whole, or damaged.</summary>
public enum MetadataState
{
    Missing,
    Intact,
    Damaged,
}
