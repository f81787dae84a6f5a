namespace Sos.Core.Cluster;

/// <summary>The outcome of asking a server to remove its copy.</summary>
public enum CopyRemoval
{
    Removed,
    /// <summary>The server held no copy.</summary>
    Missing,
    /// <summary>The server refused: the credential sent may not remove copies.</summary>
    Refused,
    Unavailable,
}
