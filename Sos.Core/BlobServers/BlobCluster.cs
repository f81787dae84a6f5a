using Microsoft.Extensions.Options;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Core.BlobServers;

/// <summary>The configured blob servers and the order in which each object prefers them.</summary>
public sealed class BlobCluster
{
    public BlobCluster(IOptions<BlobClusterOptions> options)
    {
        var zones = options.Value.Zones;
        var volumes = options.Value.Volumes;
        Servers = [.. options.Value.BlobServers
            .Select(BlobServer.Parse)
            .DistinctBy(server => server.Name)
            .Select(server => zones.TryGetValue(server.Name, out var zone) ? server with { Zone = zone } : server)
            .Select(server => volumes.TryGetValue(server.Name, out var volume) ? server with { Volume = volume } : server)];
        MinCopies = options.Value.MinCopies;
    }

    public IReadOnlyList<BlobServer> Servers { get; }

    public int MinCopies { get; }

    /// <summary>All servers, the object's preferred ones first.</summary>
    public BlobServer[] Rank(ObjectId id) => Rendezvous.Rank(Servers, id);
}
