using Microsoft.Extensions.DependencyInjection;
using Sos.Core.Cluster;

namespace Sos.Core.BlobServers;

public static class BlobServerClientExtensions
{
    /// <summary>
    /// Registers the cluster layer and, beside it, the older <see cref="BlobServerClient"/> that the
    /// replicator still uses (configured the same way). Obsolete: goes with that client.
    /// </summary>
    public static IHttpClientBuilder AddBlobServerClient(this IServiceCollection services)
    {
        services.AddBlobCluster();
        return services.AddHttpClient<BlobServerClient>().ConfigureForBlobTraffic();
    }
}
