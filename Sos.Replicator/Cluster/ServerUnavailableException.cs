using Sos.Core.Placement;

namespace Sos.Replicator.Cluster;

/// <summary>
/// A blob server could not answer one of the replicator's questions. The cluster layer has
/// already logged why (once, at Warning); the pass counts it and goes on.
/// </summary>
internal sealed class ServerUnavailableException(BlobServer server, string operation)
    : Exception($"Blob server {server.Name} could not {operation}")
{
    public BlobServer Server { get; } = server;
}
