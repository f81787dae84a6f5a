namespace Sos.Chaos;

/// <summary>How a fetch of an acknowledged object ended.</summary>
internal enum FetchStatus
{
    /// <summary>The object's bytes and first metadata.</summary>
    Ok,

    /// <summary>
    /// The object's bytes with the metadata it had before its last delete: the deleted object still
    /// served within the bounds the README states. Counted, not a failure; never right at the end.
    /// </summary>
    BeforeDelete,

    /// <summary>A complete answer with other bytes or headers: the one thing that must never happen.</summary>
    Wrong,

    /// <summary>The body stopped short (a server refused to finish a copy it found bad): not served, not wrong.</summary>
    Aborted,

    /// <summary>5xx or no connection: the cluster could not answer now.</summary>
    Unavailable,

    /// <summary>404 for an acknowledged object.</summary>
    NotFound,

    /// <summary>Any other status (say 400 or 416 for a valid request).</summary>
    Unexpected,
}
