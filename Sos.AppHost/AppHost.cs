using System.Globalization;
using Microsoft.Extensions.Configuration;
using Sos.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Every setting has a default, so `dotnet run --project Sos.AppHost` needs no configuration.
var settings = builder.Configuration.GetSection("Sos");
var blobServerCount = settings.GetValue("BlobServerCount", 3);
var minCopies = settings.GetValue("MinCopies", 2);
var replicatorInterval = settings.GetValue("ReplicatorInterval", TimeSpan.FromMinutes(5));
var maxObjectBytes = settings.GetValue("MaxObjectBytes", 5L * 1024 * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
var dataDirectory = Path.GetFullPath(settings["DataDirectory"] ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));

var blobServers = Enumerable.Range(0, blobServerCount)
    .Select(i => builder.AddProject<Projects.Sos_BlobServer>($"blob{i}", launchProfileName: null)
        .WithHttpEndpoint()
        .WithEnvironment("BlobStore__Root", Path.Combine(dataDirectory, $"blob{i}"))
        .WithEnvironment("BlobStore__MaxObjectBytes", maxObjectBytes)
        .WithScrubSettings(builder.Configuration)
        .WithHttpHealthCheck("/health"))
    .ToList();

builder.AddProject<Projects.Sos_UploadApi>("upload", launchProfileName: null)
    .WithHttpEndpoint(port: 9991)
    .WithExternalHttpEndpoints()
    .WithEnvironment("Upload__MaxObjectBytes", maxObjectBytes)
    .WithHttpHealthCheck("/health")
    .WithBlobServers(blobServers, minCopies);

builder.AddProject<Projects.Sos_DownloadApi>("download", launchProfileName: null)
    .WithHttpEndpoint(port: 9992)
    .WithExternalHttpEndpoints()
    .WithHttpHealthCheck("/health")
    .WithBlobServers(blobServers, minCopies);

builder.AddProject<Projects.Sos_Replicator>("replicator", launchProfileName: null)
    .WithArgs("--interval", replicatorInterval.ToString("c"))
    .WithBlobServers(blobServers, minCopies)
    .WithReplicateNowCommand();

builder.Build().Run();
