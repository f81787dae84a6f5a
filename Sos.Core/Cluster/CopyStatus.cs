namespace Sos.Core.Cluster;

/// <summary>A server's answer about one copy.</summary>
public enum CopyStatus
{
    Present,
    Missing,
    /// <summary>The server could not answer (down, failing, timed out).</summary>
    Unavailable,
}
