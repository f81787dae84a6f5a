using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace Sos.Core.BlobServers;

public static class BlobServerClientExtensions
{
    /// <summary>
    /// Registers the blob cluster (from <c>Sos:BlobServers</c>) and the typed blob-server client.
    /// Bodies of any size flow through this client, and a streamed body cannot be replayed:
    /// so no overall timeout (a 5 GiB copy takes minutes), a short connect timeout so a dead
    /// server is skipped fast, and retries only for idempotent requests.
    /// </summary>
    public static IHttpClientBuilder AddBlobServerClient(this IServiceCollection services)
    {
        services.AddOptions<BlobClusterOptions>()
            .BindConfiguration(BlobClusterOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<BlobCluster>();
        services.AddOptions<InternalTokenOptions>().BindConfiguration(InternalTokenOptions.SectionName);
        services.AddTransient<InternalTokenHandler>();

        var client = services.AddHttpClient<BlobServerClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                // Connections are renewed by the pool itself (so an address change is seen within
                // minutes), not by the factory throwing the whole pool away every two minutes,
                // which would close every kept-alive connection at once and leave them in TIME-WAIT.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = System.Net.DecompressionMethods.None,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The factory's per-request log scopes and start/end lines cost every copy and every
            // read; failures are logged where they are handled, with the object's id.
            .RemoveAllLoggers()
            .AddHttpMessageHandler<InternalTokenHandler>();
        client.AddResilienceHandler("blob-server", pipeline =>
        {
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = 2,
                Delay = TimeSpan.FromMilliseconds(100),
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
            };
            retry.DisableForUnsafeHttpMethods();
            pipeline.AddRetry(retry);
        }).SelectPipelineByAuthority();
        return client;
    }
}
