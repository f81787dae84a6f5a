using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Http.Resilience;
using Polly;
using Polly.Telemetry;
using Sos.Core.BlobServers;
using Sos.Core.Configuration;

namespace Sos.Core.Cluster;

public static class ClusterServiceCollectionExtensions
{
    /// <summary>The one resilience pipeline of blob-server traffic.</summary>
    public const string PipelineName = "blob-server";

    /// <summary>Quick retries of an idempotent request before the caller moves on to the next server.</summary>
    internal static readonly TimeSpan[] RequestRetryDelays = [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(200)];

    /// <summary>
    /// Retries of a listing page: a listing has no other server to fall back on, and a server
    /// that misses one is left out of a whole replicator pass, so it is worth waiting longer for.
    /// </summary>
    internal static readonly TimeSpan[] ListingRetryDelays = [TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)];

    /// <summary>
    /// Registers the blob cluster (from <c>Sos:BlobServers</c>) and <see cref="ClusterClient"/>,
    /// the one component through which a service talks to blob servers.
    /// </summary>
    public static IHttpClientBuilder AddBlobCluster(this IServiceCollection services)
    {
        services.AddValidatedOptions<BlobClusterOptions>(BlobClusterOptions.SectionName);
        services.TryAddSingleton<BlobCluster>();
        // One set of batched presence questions and copy writes per process, shared by every request's client.
        services.TryAddSingleton<BatchedRequests>();
        // One follower of each readable server's small-object log per process (see BlobClusterOptions.Volumes).
        services.TryAddSingleton<VolumeLogs>();
        // One writer to each reachable server's inbox per process, shared by every upload's small copies.
        services.TryAddSingleton<VolumeInboxes>();
        // One clock per process, so that its timestamps never repeat or go back.
        services.TryAddSingleton(provider => new Time.HybridClock(provider.GetService<TimeProvider>() ?? TimeProvider.System));
        services.AddOptions<InternalTokenOptions>().BindConfiguration(InternalTokenOptions.SectionName);
        services.TryAddTransient<InternalTokenHandler>();
        // Each attempt, retry and pipeline run is routine (Debug); the cluster layer logs the
        // failure a caller sees, once, at Warning.
        services.Configure<TelemetryOptions>(telemetry => telemetry.SeverityProvider = args =>
            args.Event.EventName is "ExecutionAttempt" or "OnRetry" or "PipelineExecuting" or "PipelineExecuted"
                ? ResilienceEventSeverity.Debug
                : args.Event.Severity);
        return services.AddHttpClient<ClusterClient>().ConfigureForBlobTraffic();
    }

    /// <summary>
    /// Bodies of any size flow through these clients, and a streamed body cannot be replayed: so
    /// no overall timeout (a 5 GiB copy takes minutes), a short connect timeout so a dead server is
    /// skipped fast, and retries of idempotent requests only (GET, HEAD, DELETE), never of a write.
    /// </summary>
    internal static IHttpClientBuilder ConfigureForBlobTraffic(this IHttpClientBuilder client)
    {
        client.ConfigureHttpClient(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(5),
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
                // The handler lives as long as the process (below); the pool itself renews each
                // connection after this long, so an address change is still picked up.
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                AutomaticDecompression = System.Net.DecompressionMethods.None,
            })
            // One handler for the process: replacing it would close every kept-alive connection at once.
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // The factory's per-request log scopes and start/end lines cost every copy and every
            // read; the cluster layer logs each request at Debug and each failure at Warning.
            .RemoveAllLoggers()
            .AddHttpMessageHandler<InternalTokenHandler>();
        client.AddResilienceHandler(PipelineName, pipeline =>
        {
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = ListingRetryDelays.Length,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                ShouldRetryAfterHeader = false,
                DelayGenerator = args => ValueTask.FromResult<TimeSpan?>(
                    DelaysFor(args.Context.GetRequestMessage()) is var delays && args.AttemptNumber < delays.Length ? delays[args.AttemptNumber] : null),
            };
            var transient = retry.ShouldHandle;
            retry.ShouldHandle = args => args.AttemptNumber < DelaysFor(args.Context.GetRequestMessage()).Length ? transient(args) : PredicateResult.False();
            retry.DisableFor(HttpMethod.Post, HttpMethod.Put, HttpMethod.Patch, HttpMethod.Connect);
            pipeline.AddRetry(retry);
        }).SelectPipelineByAuthority();
        return client;
    }

    private static TimeSpan[] DelaysFor(HttpRequestMessage? request) =>
        request?.RequestUri?.AbsolutePath == "/blobs" ? ListingRetryDelays : RequestRetryDelays;
}
