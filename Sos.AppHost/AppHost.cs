using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

// The cluster as any AppHost adds it, with this AppHost's settings from its Sos: section (see
// appsettings.json); every setting has a default, so `dotnet run --project Sos.AppHost` needs none.
var settings = builder.Configuration.GetSection("Sos");
var sos = builder.AddSos("sos")
    .WithBlobServers(settings.GetValue("BlobServerCount", 3))
    .WithMinCopies(settings.GetValue("MinCopies", 2))
    .WithZones(settings.GetValue("ZoneCount", 0))
    .WithReplicatorInterval(settings.GetValue("ReplicatorInterval", TimeSpan.FromMinutes(5)))
    .WithMaxObjectBytes(settings.GetValue("MaxObjectBytes", 5L * 1024 * 1024 * 1024))
    .WithDataDirectory(settings["DataDirectory"] ?? Path.Combine(builder.AppHostDirectory, "..", ".data"))
    .WithScrub(settings.GetValue<long?>("ScrubBytesPerSecond"), settings.GetValue<TimeSpan?>("ScrubInterval"), settings.GetValue<TimeSpan?>("ScrubStartDelay"));
foreach (var blob in settings.GetSection("ExternalBlobServers").GetChildren().OrderBy(entry => entry.Key, StringComparer.Ordinal))
{
    sos.WithExternalBlobServer(blob.Key, blob.Value ?? "");
}

builder.Build().Run();
