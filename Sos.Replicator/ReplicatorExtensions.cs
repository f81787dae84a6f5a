using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Sos.Core.BlobServers;
using Sos.Core.Cluster;
using Sos.Replicator.Cluster;
using Sos.Replicator.Deletes;
using Sos.Replicator.Replication;

namespace Sos.Replicator;

internal static class ReplicatorExtensions
{
    /// <summary>Everything a replication pass needs: the cluster layer, the adapter onto it, and the pass itself.</summary>
    public static IHostApplicationBuilder AddReplicator(this IHostApplicationBuilder builder, ReplicatorInvocation invocation)
    {
        builder.Services.AddBlobCluster();
        // The command line wins over configuration. It is applied after binding rather than written
        // into configuration keys because a list given here must replace the configured one whole:
        // keys Sos:BlobServers:0..n would merge index by index with a longer Sos__BlobServers__* list.
        builder.Services.PostConfigure<BlobClusterOptions>(options =>
        {
            if (invocation.BlobServers is { } servers)
            {
                // name=url, so that a server named on the command line keeps its name (its placement).
                options.BlobServers = [.. servers.Select(server => $"{server.Name}={server.BaseAddress}")];
            }
            if (invocation.MinCopies is { } minCopies)
            {
                options.MinCopies = minCopies;
            }
        });
        builder.Services.AddSingleton(invocation.Pass);
        builder.Services.TryAddSingleton(TimeProvider.System);
        // The pass reaches blob servers through the adapter, and the adapter through the cluster layer alone.
        builder.Services.AddScoped<IBlobServerAdapter, BlobServerAdapter>();
        // A pass per scope, with clients of its own from the factory.
        builder.Services.AddScoped<ReplicationPass>();
        builder.Services.AddScoped<TombstonePropagation>();
        return builder;
    }
}
