using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Sos.Core.BlobServers;
using Sos.Replicator.Replication;

namespace Sos.Replicator;

internal static class ReplicatorExtensions
{
    /// <summary>Everything a replication pass needs: the blob cluster and its client, and the pass itself.</summary>
    public static IHostApplicationBuilder AddReplicator(this IHostApplicationBuilder builder, ReplicatorInvocation invocation)
    {
        builder.Services.AddBlobServerClient();
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
        // A pass per scope: each gets a fresh typed client, so a job that runs for months still
        // follows the handler rotation (and DNS changes) of IHttpClientFactory.
        builder.Services.AddScoped<ReplicationPass>();
        return builder;
    }
}
