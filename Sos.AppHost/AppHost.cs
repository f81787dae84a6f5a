using System.Globalization;
using Microsoft.Extensions.Configuration;
using Sos.AppHost;

var builder = DistributedApplication.CreateBuilder(args);

// Every setting has a default, so `dotnet run --project Sos.AppHost` needs no configuration.
var settings = builder.Configuration.GetSection("Sos");
var blobServerCount = settings.GetValue("BlobServerCount", 3);
var minCopies = settings.GetValue("MinCopies", 2);
var zoneCount = settings.GetValue("ZoneCount", 0);
var replicatorInterval = settings.GetValue("ReplicatorInterval", TimeSpan.FromMinutes(5));
var maxObjectBytes = settings.GetValue("MaxObjectBytes", 5L * 1024 * 1024 * 1024).ToString(CultureInfo.InvariantCulture);
var dataDirectory = Path.GetFullPath(settings["DataDirectory"] ?? Path.Combine(builder.AppHostDirectory, "..", ".data"));

var (uploadApiKey, internalToken, replicatorToken, deleteToken) = builder.AddSosSecrets();
var blobServers = builder.AddBlobServers(blobServerCount, dataDirectory, maxObjectBytes, internalToken, replicatorToken, deleteToken);
var elsewhere = builder.AddExternalBlobServers(blobServers);

builder.AddProject<Projects.Sos_UploadApi>("upload", launchProfileName: null)
    .WithHttpEndpoint(port: 9991)
    .WithExternalHttpEndpoints()
    .WithEnvironment("Upload__MaxObjectBytes", maxObjectBytes)
    .WithEnvironment("Sos__ApiKey", uploadApiKey)
    // The delete token, sent as its internal token: it reads, writes and records deletes.
    .WithEnvironment("Sos__InternalToken", deleteToken)
    .WithHttpHealthCheck("/health")
    .WithBlobServers(blobServers, minCopies, zoneCount, elsewhere);

builder.AddProject<Projects.Sos_DownloadApi>("download", launchProfileName: null)
    .WithHttpEndpoint(port: 9992)
    .WithExternalHttpEndpoints()
    .WithEnvironment("Sos__InternalToken", internalToken)
    .WithHttpHealthCheck("/health")
    .WithBlobServers(blobServers, minCopies, zoneCount, elsewhere);

// Locally the replicator runs on an interval; published, it is one pass for a scheduler to start
// (Kubernetes CronJob, Container Apps job: see the README's "Deploy"). It alone may remove copies:
// it gets the replicator token, as the token it sends.
var replicator = builder.AddProject<Projects.Sos_Replicator>("replicator", launchProfileName: null)
    .WithArgs(builder.ExecutionContext.IsPublishMode ? ["--once"] : ["--interval", replicatorInterval.ToString("c")])
    .WithEnvironment("Sos__InternalToken", replicatorToken)
    .WithBlobServers(blobServers, minCopies, zoneCount, elsewhere);
if (builder.ExecutionContext.IsRunMode)
{
    replicator.WithReplicateNowCommand();
}

builder.Build().Run();
