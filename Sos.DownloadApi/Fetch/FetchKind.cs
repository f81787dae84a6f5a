namespace Sos.DownloadApi.Fetch;

/// <summary>What a fetch asks for, once its preconditions are decided.</summary>
public enum FetchKind
{
    /// <summary>A conditional request the object satisfies: 304, headers only.</summary>
    NotModified,
    /// <summary>HEAD: the headers of a whole answer.</summary>
    HeadersOnly,
    Whole,
    /// <summary>One byte range: 206, or 416 when it lies past the end.</summary>
    Range,
}
