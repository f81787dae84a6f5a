namespace Sos.DownloadApi.Fetch;

/// <summary>How a fetch's object was found.</summary>
public enum FetchOutcome
{
    /// <summary>The whole object, or its headers.</summary>
    Found,
    /// <summary>The range asked for.</summary>
    Partial,
    /// <summary>The range asked for lies past the object's end.</summary>
    Unsatisfiable,
    Missing,
    /// <summary>No copy could be read and some servers could not answer.</summary>
    Unavailable,
}
