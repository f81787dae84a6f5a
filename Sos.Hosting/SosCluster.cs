using System.Globalization;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// The resources behind one <see cref="SosResource"/> and the settings they share. The
/// resources exist from <c>AddSos</c> on (so that an AppHost or a test can find and adjust
/// them by name), while every setting that can still change through the <c>With…</c> options
/// is read when the environment is computed: at start, or when the manifest is written.
/// </summary>
internal sealed class SosCluster(IDistributedApplicationBuilder builder)
{
    /// <summary>Where a published blob server keeps its objects: the mount point of its own volume.</summary>
    public const string PublishedDataPath = "/data";

    /// <summary>
    /// Where every Sos service answers whether it is ready (all its health checks pass); the
    /// services map it from their shared defaults.
    /// </summary>
    private const string HealthPath = "/health";

    public IDistributedApplicationBuilder Builder { get; } = builder;

    /// <summary>The resource the cluster's parts show under in the dashboard.</summary>
    public SosResource? Sos { get; set; }

    public IResourceBuilder<ParameterResource> UploadApiKey { get; set; } = null!;

    public IResourceBuilder<ParameterResource> InternalToken { get; set; } = null!;

    public IResourceBuilder<ParameterResource> ReplicatorToken { get; set; } = null!;

    public IResourceBuilder<ParameterResource> DeleteToken { get; set; } = null!;

    public IResourceBuilder<ProjectResource> Upload { get; set; } = null!;

    public IResourceBuilder<ProjectResource> Download { get; set; } = null!;

    public IResourceBuilder<ProjectResource> Replicator { get; set; } = null!;

    public List<IResourceBuilder<ProjectResource>> BlobServers { get; } = [];

    public List<IResourceBuilder<ExternalServiceResource>> Elsewhere { get; } = [];

    public int MinCopies { get; set; } = 2;

    public int ZoneCount { get; set; }

    public string DataDirectory { get; set; } = "";

    public long MaxObjectBytes { get; set; } = 5L * 1024 * 1024 * 1024;

    public TimeSpan ReplicatorInterval { get; set; } = TimeSpan.FromMinutes(5);

    public long? ScrubBytesPerSecond { get; set; }

    public TimeSpan? ScrubInterval { get; set; }

    public TimeSpan? ScrubStartDelay { get; set; }

    /// <summary>The services that talk to the blob servers.</summary>
    public IEnumerable<IResourceBuilder<ProjectResource>> Services => [Upload, Download, Replicator];

    private bool IsPublishMode => Builder.ExecutionContext.IsPublishMode;

    /// <summary>
    /// The cluster's secrets, as parameters so that the manifest asks for them rather than
    /// carrying values. The upload API key has no default when published (azd prompts for it) and is
    /// empty in run mode unless <c>Parameters:upload-api-key</c> is set, so a laptop run needs no
    /// setup. The three blob-server tokens are generated (per run locally, once per environment by
    /// azd): the internal token reads and writes copies and goes to the download API; the delete
    /// token also records deletes and goes to the upload API only; the replicator token also removes
    /// copies, collects tombstones and takes leases, and only the replicator gets it.
    /// </summary>
    public void AddSecrets()
    {
        const string uploadApiKey = "upload-api-key";
        UploadApiKey = IsPublishMode
            ? Builder.AddParameter(uploadApiKey, secret: true)
            : Builder.AddParameter(uploadApiKey, () => Builder.Configuration[$"Parameters:{uploadApiKey}"] ?? "", secret: true);
        // Not persisted to user secrets: every service gets it from this AppHost, so a new one each run costs nothing.
        InternalToken = Builder.AddParameter(
            "blob-internal-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: false);
        ReplicatorToken = Builder.AddParameter(
            "blob-replicator-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: false);
        DeleteToken = Builder.AddParameter(
            "blob-delete-token", new GenerateParameterDefault { MinLength = 32, Special = false }, secret: true, persist: false);
    }

    /// <summary>The upload and download APIs on their fixed public ports, and the replicator.</summary>
    public void AddServices()
    {
        Upload = Builder.AddProject("upload", SosProjects.UploadApi, launchProfileName: null)
            .WithHttpEndpoint(port: 9991)
            .WithExternalHttpEndpoints()
            .WithEnvironment(context => context.EnvironmentVariables["Upload__MaxObjectBytes"] = Invariant(MaxObjectBytes))
            .WithEnvironment("Sos__ApiKey", UploadApiKey)
            // The delete token, sent as its internal token: it reads, writes and records deletes.
            .WithEnvironment("Sos__InternalToken", DeleteToken)
            .WithHttpHealthCheck(HealthPath)
            .WithEnvironment(WriteBlobServerSettings)
            .WithEnvironment(WriteBlobVolumes);

        Download = Builder.AddProject("download", SosProjects.DownloadApi, launchProfileName: null)
            .WithHttpEndpoint(port: 9992)
            .WithExternalHttpEndpoints()
            .WithEnvironment("Sos__InternalToken", InternalToken)
            .WithHttpHealthCheck(HealthPath)
            .WithEnvironment(WriteBlobServerSettings)
            .WithEnvironment(WriteBlobVolumes);

        // Locally the replicator runs on an interval; published, it is one pass for a scheduler to start
        // (Kubernetes CronJob, Container Apps job). It alone may remove copies: it gets the replicator
        // token, as the token it sends.
        Replicator = Builder.AddProject("replicator", SosProjects.Replicator, launchProfileName: null)
            .WithArgs(context =>
            {
                if (IsPublishMode)
                {
                    context.Args.Add("--once");
                }
                else
                {
                    context.Args.Add("--interval");
                    context.Args.Add(ReplicatorInterval.ToString("c", CultureInfo.InvariantCulture));
                }
            })
            .WithEnvironment("Sos__InternalToken", ReplicatorToken)
            .WithEnvironment(WriteBlobServerSettings);
        foreach (var service in Services)
        {
            service.WithParentRelationship(Sos!);
        }
        if (Builder.ExecutionContext.IsRunMode)
        {
            // Its health is the last pass's verdict; "Replicate now" asks for a pass without waiting for the interval.
            Replicator.WithHttpEndpoint()
                .WithHttpHealthCheck(HealthPath)
                .WithHttpCommand("/replicate", "Replicate now", commandName: "replicate-now", commandOptions: new HttpCommandOptions
                {
                    Description = "Run a replication pass now instead of at the next interval; its outcome shows in the replicator's health and logs.",
                    IconName = "ArrowSync",
                    IsHighlighted = true,
                    // Enabled while it runs, not only while healthy: an unhealthy last pass (copies
                    // below the minimum) is when an operator most wants another one.
                    UpdateState = context => context.ResourceSnapshot.State?.Text == KnownResourceStates.Running
                        ? ResourceCommandState.Enabled
                        : ResourceCommandState.Disabled,
                });
        }
    }

    /// <summary>Adds or removes local blob servers so that there are <paramref name="count"/>: <c>blob0</c>..<c>blob{count-1}</c>.</summary>
    public void SetBlobServerCount(int count)
    {
        while (BlobServers.Count > count)
        {
            RemoveBlobServer(BlobServers[^1]);
        }
        while (BlobServers.Count < count)
        {
            AddBlobServer(BlobServers.Count);
        }
    }

    /// <summary>
    /// A blob server that already runs elsewhere, so that a cluster can span hosts. It is an
    /// external service: the services reach it by its name (<c>http://blob9</c>) through service
    /// discovery, and the name is its placement identity.
    /// </summary>
    public void AddExternalBlobServer(string name, string url)
    {
        if (BlobServers.Concat<IResourceBuilder<IResource>>(Elsewhere).Any(blob => string.Equals(blob.Resource.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException(
                $"The external blob server '{name}' has the name of another blob server; give it a name of its own (placement hashes names).");
        }
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new InvalidOperationException(
                $"The external blob server '{name}' is at '{url}', not an http(s) URL such as http://10.0.0.9:8080/.");
        }
        var blob = Builder.AddExternalService(name, uri);
        Elsewhere.Add(blob);
        foreach (var service in Services)
        {
            service.WithReference(blob);
        }
    }

    /// <summary>
    /// A blob server, internal only. Run mode gives it a directory under the data directory;
    /// publish mode makes it a container built from <c>Sos.BlobServer/Dockerfile</c> with its own
    /// named volume at <c>/data</c>, since a project resource has no storage of its own in the
    /// manifest and a container's disk dies with it.
    /// </summary>
    private void AddBlobServer(int index)
    {
        var name = "blob" + Invariant(index);
        if (Elsewhere.Any(blob => string.Equals(blob.Resource.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new InvalidOperationException(
                $"The external blob server '{name}' has the name of a local blob server; give it a name of its own (placement hashes names).");
        }
        var blob = Builder.AddProject(name, SosProjects.BlobServer, launchProfileName: null)
            // Not behind the local proxy: a stopped server must refuse connections at once, so
            // that writes hand off and reads fall back, rather than hang on a proxy with no backend.
            .WithHttpEndpoint(isProxied: IsPublishMode)
            .WithEnvironment(context => context.EnvironmentVariables["BlobStore__MaxObjectBytes"] = Invariant(MaxObjectBytes))
            .WithEnvironment("Sos__InternalToken", InternalToken)
            .WithEnvironment("Sos__ReplicatorToken", ReplicatorToken)
            .WithEnvironment("Sos__DeleteToken", DeleteToken)
            .WithEnvironment(WriteScrubSettings)
            .WithHttpHealthCheck(HealthPath);
        if (IsPublishMode)
        {
            blob.WithEnvironment("BlobStore__Root", PublishedDataPath)
                .PublishAsDockerFile(container => container
                    // The image needs Sos.Core and the build props beside the project: the repository is the context.
                    .WithDockerfile("..", "Sos.BlobServer/Dockerfile")
                    .WithVolume($"{name}-data", PublishedDataPath));
        }
        else
        {
            blob.WithEnvironment(context => context.EnvironmentVariables["BlobStore__Root"] = Path.Combine(DataDirectory, name));
        }
        blob.WithParentRelationship(Sos!);
        BlobServers.Add(blob);
        // Each service waits until every blob server this AppHost runs is healthy. Blob servers
        // elsewhere are not waited for: the services already treat a down server as one to skip.
        foreach (var service in Services)
        {
            service.WaitFor(blob);
        }
    }

    /// <summary>Takes a blob server out of the model again, with the waits the services had on it.</summary>
    private void RemoveBlobServer(IResourceBuilder<ProjectResource> blob)
    {
        foreach (var service in Services)
        {
            var onBlob = service.Resource.Annotations
                .Where(annotation => annotation is WaitAnnotation wait && wait.Resource == blob.Resource
                    || annotation is ResourceRelationshipAnnotation relationship && relationship.Resource == blob.Resource)
                .ToList();
            foreach (var annotation in onBlob)
            {
                service.Resource.Annotations.Remove(annotation);
            }
        }
        Builder.Resources.Remove(blob.Resource);
        BlobServers.Remove(blob);
    }

    /// <summary>
    /// Gives a service the blob servers: each one's address by name in <c>Sos:BlobServers</c>
    /// (so the list comes from here, never from appsettings) with service discovery for the
    /// local ones, the zone map and the copies each object must have. The Nth blob server
    /// (those elsewhere counted after the local ones) is in zone <c>zone{N % ZoneCount}</c>;
    /// every service gets the same map, so all agree on placement.
    /// </summary>
    /// <summary>
    /// Run locally, every blob server's directory is on this machine: the download API reads copies
    /// from there (read-only, checked as the server checks them) instead of through the server, and
    /// the upload API writes small copies to the servers' inboxes, which they adopt. Published, each
    /// server has a volume of its own, and reads and writes go through the servers.
    /// </summary>
    private void WriteBlobVolumes(EnvironmentCallbackContext context)
    {
        if (IsPublishMode)
        {
            return;
        }
        foreach (var blob in BlobServers)
        {
            context.EnvironmentVariables[$"Sos__Volumes__{blob.Resource.Name}"] = Path.Combine(DataDirectory, blob.Resource.Name);
        }
    }

    private void WriteBlobServerSettings(EnvironmentCallbackContext context)
    {
        var environment = context.EnvironmentVariables;
        var index = 0;
        foreach (var blob in BlobServers)
        {
            // What WithReference gives: service discovery's entry and the endpoint by resource name.
            var endpoint = blob.GetEndpoint("http");
            environment[$"services__{blob.Resource.Name}__http__0"] = endpoint;
            environment[$"{blob.Resource.Name.ToUpperInvariant()}_HTTP"] = endpoint;
            WriteBlobServer(environment, index++, blob.Resource.Name, "http");
        }
        // Their service-discovery entries come from WithReference, as for any external service.
        foreach (var blob in Elsewhere)
        {
            WriteBlobServer(environment, index++, blob.Resource.Name, blob.Resource.Uri!.Scheme);
        }
        environment["Sos__MinCopies"] = Invariant(MinCopies);
    }

    private void WriteBlobServer(Dictionary<string, object> environment, int index, string name, string scheme)
    {
        environment[$"Sos__BlobServers__{Invariant(index)}"] = $"{scheme}://{name}";
        if (ZoneCount > 0)
        {
            environment[$"Sos__Zones__{name}"] = "zone" + Invariant(index % ZoneCount);
        }
    }

    /// <summary>The scrub settings a blob server gets when they are set; otherwise its own defaults hold.</summary>
    private void WriteScrubSettings(EnvironmentCallbackContext context)
    {
        if (ScrubBytesPerSecond is { } bytesPerSecond)
        {
            context.EnvironmentVariables["BlobStore__ScrubBytesPerSecond"] = Invariant(bytesPerSecond);
        }
        if (ScrubInterval is { } interval)
        {
            context.EnvironmentVariables["BlobStore__ScrubInterval"] = interval.ToString("c", CultureInfo.InvariantCulture);
        }
        if (ScrubStartDelay is { } startDelay)
        {
            context.EnvironmentVariables["BlobStore__ScrubStartDelay"] = startDelay.ToString("c", CultureInfo.InvariantCulture);
        }
    }

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
