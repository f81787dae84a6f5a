namespace Sos.Core.Cluster;

/// <summary>Where the search for an object ended.</summary>
public enum ReadStatus
{
    /// <summary>A server answered with a copy.</summary>
    Found,
    /// <summary>Every server answered, and none has a copy.</summary>
    Missing,
    /// <summary>No server gave a copy and at least one could not answer: the object may well exist.</summary>
    Unavailable,
}
