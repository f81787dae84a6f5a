using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Cluster;

namespace Sos.Tests.Unit;

/// <summary>A <see cref="ClusterClient"/> over a handler that answers for the blob servers, without the network or a host.</summary>
internal static class StubCluster
{
    public static ClusterClient Client(HttpMessageHandler handler, IEnumerable<Core.Placement.BlobServer> servers) =>
        new(new HttpClient(handler), new BlobCluster(Options.Create(new BlobClusterOptions { BlobServers = [.. servers.Select(server => $"{server.Name}={server.BaseAddress}")] })),
            NullLogger<ClusterClient>.Instance);
}
