using Aspire.Hosting.ApplicationModel;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Aspire.Hosting;

/// <summary>Adds a Sos object-storage cluster to an AppHost and sets its options.</summary>
public static class SosBuilderExtensions
{
    /// <summary>
    /// Adds a Sos cluster: three blob servers (<c>blob0</c>..<c>blob2</c>), the upload API
    /// (<c>upload</c>, port 9991), the download API (<c>download</c>, port 9992), the replicator
    /// with its "Replicate now" command, and the secrets <c>upload-api-key</c>,
    /// <c>blob-internal-token</c> and <c>blob-replicator-token</c>. Objects need two copies;
    /// blob servers keep their data under <c>.sos-data</c> beside the AppHost. Published, each
    /// blob server is a container with a volume of its own and the replicator is one pass for a
    /// scheduler to start.
    /// </summary>
    /// <remarks>
    /// The resources keep these names, which the services and a deployment know them by: an
    /// AppHost holds one Sos cluster. Pass the returned builder to <c>WithReference</c> for the
    /// connection string the Sos client reads, and to <c>WaitFor</c> to wait until both APIs are healthy.
    /// </remarks>
    public static IResourceBuilder<SosResource> AddSos(this IDistributedApplicationBuilder builder, [ResourceName] string name)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrEmpty(name);

        var cluster = new SosCluster(builder) { DataDirectory = Path.Combine(builder.AppHostDirectory, ".sos-data") };
        var sos = builder.AddResource(new SosResource(name, cluster))
            .WithManifestPublishingCallback(context =>
            {
                context.Writer.WriteString("type", "value.v0");
                context.WriteConnectionString(cluster.Sos!);
            });
        cluster.Sos = sos.Resource;
        cluster.AddSecrets();
        cluster.AddServices();
        cluster.SetBlobServerCount(3);

        // Healthy while both APIs are: a service that waits for Sos can upload and read.
        var healthCheck = $"{name}_apis";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheck, services => new SosHealthCheck(services.GetRequiredService<ResourceNotificationService>(), cluster),
            failureStatus: null, tags: null));
        sos.WithHealthCheck(healthCheck);
        // It has no process of its own: it runs once the AppHost starts, and its health says the rest.
        builder.Eventing.Subscribe<InitializeResourceEvent>(sos.Resource, (@event, _) =>
            @event.Notifications.PublishUpdateAsync(@event.Resource, state => state with
            {
                ResourceType = "Sos",
                State = KnownResourceStates.Running,
                StartTimeStamp = DateTime.UtcNow,
            }));
        return sos;
    }
    /// <summary>Runs <paramref name="count"/> blob servers, <c>blob0</c>..<c>blob{count-1}</c> (3 unless set).</summary>
    public static IResourceBuilder<SosResource> WithBlobServers(this IResourceBuilder<SosResource> sos, int count)
    {
        ArgumentNullException.ThrowIfNull(sos);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        sos.Resource.Cluster.SetBlobServerCount(count);
        return sos;
    }

    /// <summary>The copies each object must have before an upload succeeds, and that the replicator restores (2 unless set).</summary>
    public static IResourceBuilder<SosResource> WithMinCopies(this IResourceBuilder<SosResource> sos, int minCopies)
    {
        ArgumentNullException.ThrowIfNull(sos);
        ArgumentOutOfRangeException.ThrowIfLessThan(minCopies, 1);
        sos.Resource.Cluster.MinCopies = minCopies;
        return sos;
    }

    /// <summary>
    /// Spreads copies over <paramref name="zoneCount"/> failure domains (0, the default: none).
    /// The Nth blob server, those elsewhere counted after the local ones, is in zone <c>zone{N % zoneCount}</c>.
    /// </summary>
    public static IResourceBuilder<SosResource> WithZones(this IResourceBuilder<SosResource> sos, int zoneCount)
    {
        ArgumentNullException.ThrowIfNull(sos);
        ArgumentOutOfRangeException.ThrowIfNegative(zoneCount);
        sos.Resource.Cluster.ZoneCount = zoneCount;
        return sos;
    }

    /// <summary>Where the local blob servers keep their objects, one directory each (run mode; published, each has a volume).</summary>
    public static IResourceBuilder<SosResource> WithDataDirectory(this IResourceBuilder<SosResource> sos, string path)
    {
        ArgumentNullException.ThrowIfNull(sos);
        ArgumentException.ThrowIfNullOrEmpty(path);
        sos.Resource.Cluster.DataDirectory = Path.GetFullPath(path, sos.ApplicationBuilder.AppHostDirectory);
        return sos;
    }

    /// <summary>The largest object the upload API and the blob servers accept (5 GiB unless set).</summary>
    public static IResourceBuilder<SosResource> WithMaxObjectBytes(this IResourceBuilder<SosResource> sos, long maxObjectBytes)
    {
        ArgumentNullException.ThrowIfNull(sos);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxObjectBytes, 1);
        sos.Resource.Cluster.MaxObjectBytes = maxObjectBytes;
        return sos;
    }

    /// <summary>How often the replicator runs a pass in run mode (5 minutes unless set); published, it is one pass per start.</summary>
    public static IResourceBuilder<SosResource> WithReplicatorInterval(this IResourceBuilder<SosResource> sos, TimeSpan interval)
    {
        ArgumentNullException.ThrowIfNull(sos);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(interval, TimeSpan.Zero);
        sos.Resource.Cluster.ReplicatorInterval = interval;
        return sos;
    }

    /// <summary>
    /// The blob servers' scrub: read budget, pause between rounds, delay before the first round.
    /// A null argument keeps the blob server's own default.
    /// </summary>
    public static IResourceBuilder<SosResource> WithScrub(
        this IResourceBuilder<SosResource> sos, long? bytesPerSecond = null, TimeSpan? interval = null, TimeSpan? startDelay = null)
    {
        ArgumentNullException.ThrowIfNull(sos);
        var cluster = sos.Resource.Cluster;
        cluster.ScrubBytesPerSecond = bytesPerSecond ?? cluster.ScrubBytesPerSecond;
        cluster.ScrubInterval = interval ?? cluster.ScrubInterval;
        cluster.ScrubStartDelay = startDelay ?? cluster.ScrubStartDelay;
        return sos;
    }

    /// <summary>
    /// Adds a blob server that already runs elsewhere (another host, another AppHost), so that
    /// the cluster spans hosts. The services reach it as <c>http://{name}</c> through service
    /// discovery; its name is its placement identity, so it must differ from every other blob server's.
    /// </summary>
    public static IResourceBuilder<SosResource> WithExternalBlobServer(this IResourceBuilder<SosResource> sos, [ResourceName] string name, string url)
    {
        ArgumentNullException.ThrowIfNull(sos);
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentException.ThrowIfNullOrEmpty(url);
        sos.Resource.Cluster.AddExternalBlobServer(name, url);
        return sos;
    }
}
