namespace Sos.AppHost;

internal static class SosResourceExtensions
{
    /// <summary>Where a published blob server keeps its objects: the mount point of its own volume.</summary>
    public const string PublishedDataPath = "/data";

    /// <summary>
    /// Declares the blob servers <c>blob0</c>..<c>blob{count-1}</c>, internal only. Run mode gives
    /// each a directory under <paramref name="dataDirectory"/>; publish mode makes each a container
    /// built from <c>Sos.BlobServer/Dockerfile</c> with its own named volume at <c>/data</c>, since a
    /// project resource has no storage of its own in the manifest and a container's disk dies with it.
    /// </summary>
    public static List<IResourceBuilder<ProjectResource>> AddBlobServers(
        this IDistributedApplicationBuilder builder, int count, string dataDirectory, string maxObjectBytes,
        IResourceBuilder<ParameterResource> internalToken, IResourceBuilder<ParameterResource> replicatorToken, IResourceBuilder<ParameterResource> deleteToken)
    {
        var blobServers = new List<IResourceBuilder<ProjectResource>>(count);
        for (var i = 0; i < count; i++)
        {
            var name = $"blob{i}";
            var blob = builder.AddProject<Projects.Sos_BlobServer>(name, launchProfileName: null)
                // Not behind the local proxy: a stopped server must refuse connections at once, so
                // that writes hand off and reads fall back, rather than hang on a proxy with no backend.
                .WithHttpEndpoint(isProxied: builder.ExecutionContext.IsPublishMode)
                .WithEnvironment("BlobStore__MaxObjectBytes", maxObjectBytes)
                .WithEnvironment("Sos__InternalToken", internalToken)
                .WithEnvironment("Sos__ReplicatorToken", replicatorToken)
                .WithEnvironment("Sos__DeleteToken", deleteToken)
                .WithScrubSettings(builder.Configuration)
                .WithHttpHealthCheck("/health");
            if (builder.ExecutionContext.IsPublishMode)
            {
                blob.WithEnvironment("BlobStore__Root", PublishedDataPath)
                    .PublishAsDockerFile(container => container
                        // The image needs Sos.Core and the build props beside the project: the repository is the context.
                        .WithDockerfile("..", "Sos.BlobServer/Dockerfile")
                        .WithVolume($"{name}-data", PublishedDataPath));
            }
            else
            {
                blob.WithEnvironment("BlobStore__Root", Path.Combine(dataDirectory, name));
            }
            blobServers.Add(blob);
        }
        return blobServers;
    }

    /// <summary>
    /// Blob servers that already run elsewhere, from <c>Sos:ExternalBlobServers:{name}={url}</c>, so
    /// that a cluster can span hosts. Each is an external service: the services reach it by its
    /// name (<c>http://blob9</c>) through service discovery, and the name is its placement identity.
    /// </summary>
    public static List<IResourceBuilder<ExternalServiceResource>> AddExternalBlobServers(
        this IDistributedApplicationBuilder builder, IReadOnlyCollection<IResourceBuilder<ProjectResource>> localBlobServers)
    {
        var taken = localBlobServers.Select(blob => blob.Resource.Name).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var elsewhere = new List<IResourceBuilder<ExternalServiceResource>>();
        foreach (var entry in builder.Configuration.GetSection("Sos:ExternalBlobServers").GetChildren().OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            if (!taken.Add(entry.Key))
            {
                throw new InvalidOperationException(
                    $"Sos:ExternalBlobServers:{entry.Key} has the name of another blob server; give it a name of its own (placement hashes names).");
            }
            if (!Uri.TryCreate(entry.Value, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
            {
                throw new InvalidOperationException(
                    $"Sos:ExternalBlobServers:{entry.Key} is '{entry.Value}', not an http(s) URL such as http://10.0.0.9:8080/.");
            }
            elsewhere.Add(builder.AddExternalService(entry.Key, url));
        }
        return elsewhere;
    }

    /// <summary>
    /// The cluster's secrets, as parameters so that the manifest asks for them rather than
    /// carrying values. The upload API key has no default when published (azd prompts for it) and is
    /// empty in run mode unless <c>Parameters:upload-api-key</c> is set, so a laptop run needs no
    /// setup. The two blob-server tokens are generated (per run locally, once per environment by
    /// azd): the internal token reads and writes copies and goes to the front APIs; the replicator
    /// token also removes copies and takes leases, and only the replicator gets it.
    /// </summary>
    public static (IResourceBuilder<ParameterResource> UploadApiKey, IResourceBuilder<ParameterResource> InternalToken, IResourceBuilder<ParameterResource> ReplicatorToken, IResourceBuilder<ParameterResource> DeleteToken) AddSosSecrets(
        this IDistributedApplicationBuilder builder)
    {
        const string uploadApiKey = "upload-api-key";
        var apiKey = builder.ExecutionContext.IsPublishMode
            ? builder.AddParameter(uploadApiKey, secret: true)
            : builder.AddParameter(uploadApiKey, () => builder.Configuration[$"Parameters:{uploadApiKey}"] ?? "", secret: true);
        // Not persisted to user secrets: every service gets it from this AppHost, so a new one each run costs nothing.
        var internalToken = builder.AddParameter(
            "blob-internal-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: false);
        var replicatorToken = builder.AddParameter(
            "blob-replicator-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: false);
        // The upload API's own: it also records deletes, which the download API must never be able to.
        var deleteToken = builder.AddParameter(
            "blob-delete-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: false);
        return (apiKey, internalToken, replicatorToken, deleteToken);
    }

    /// <summary>
    /// Gives a service the blob servers: a service-discovery reference to each, its address by
    /// name in <c>Sos:BlobServers</c> (so the list comes from here, never from appsettings),
    /// and a wait until each one this AppHost runs is healthy. Blob servers elsewhere are not
    /// waited for: the services already treat a down server as one to skip.
    /// </summary>
    /// <param name="service">The service that talks to the blob servers.</param>
    /// <param name="blobServers">The blob servers this AppHost runs.</param>
    /// <param name="minCopies">The copies each object must have.</param>
    /// <param name="zoneCount">
    /// Failure domains to spread copies over (0: none). The Nth blob server (those elsewhere
    /// counted after the local ones) is in zone <c>zone{N % zoneCount}</c>; every service gets
    /// the same map, so all agree on placement.
    /// </param>
    /// <param name="elsewhere">Blob servers that run outside this AppHost.</param>
    public static IResourceBuilder<ProjectResource> WithBlobServers(
        this IResourceBuilder<ProjectResource> service, IReadOnlyList<IResourceBuilder<ProjectResource>> blobServers, int minCopies,
        int zoneCount = 0, IReadOnlyList<IResourceBuilder<ExternalServiceResource>>? elsewhere = null)
    {
        for (var i = 0; i < blobServers.Count; i++)
        {
            var blob = blobServers[i];
            service.WithReference(blob)
                .WaitFor(blob)
                .WithEnvironment($"Sos__BlobServers__{i}", $"http://{blob.Resource.Name}");
            service.WithZone(blob.Resource.Name, i, zoneCount);
        }
        for (var i = 0; i < (elsewhere?.Count ?? 0); i++)
        {
            var blob = elsewhere![i];
            service.WithReference(blob)
                .WithEnvironment($"Sos__BlobServers__{blobServers.Count + i}", $"{blob.Resource.Uri!.Scheme}://{blob.Resource.Name}");
            service.WithZone(blob.Resource.Name, blobServers.Count + i, zoneCount);
        }
        return service.WithEnvironment("Sos__MinCopies", minCopies.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static void WithZone(this IResourceBuilder<ProjectResource> service, string blobServer, int index, int zoneCount)
    {
        if (zoneCount > 0)
        {
            var zone = "zone" + (index % zoneCount).ToString(System.Globalization.CultureInfo.InvariantCulture);
            service.WithEnvironment($"Sos__Zones__{blobServer}", zone);
        }
    }
}
