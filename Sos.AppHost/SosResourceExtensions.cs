namespace Sos.AppHost;

internal static class SosResourceExtensions
{
    /// <summary>
    /// Gives a service the blob servers: a service-discovery reference to each, its address by
    /// name in <c>Sos:BlobServers</c> (so the list comes from here, never from appsettings),
    /// and a wait until each is healthy.
    /// </summary>
    /// <param name="service">The service that talks to the blob servers.</param>
    /// <param name="blobServers">Every blob server.</param>
    /// <param name="minCopies">The copies each object must have.</param>
    /// <param name="zoneCount">
    /// Failure domains to spread copies over (0: none). Server <c>blobN</c> is in zone
    /// <c>zone{N % zoneCount}</c>; every service gets the same map, so all agree on placement.
    /// </param>
    public static IResourceBuilder<ProjectResource> WithBlobServers(
        this IResourceBuilder<ProjectResource> service, IReadOnlyList<IResourceBuilder<ProjectResource>> blobServers, int minCopies, int zoneCount)
    {
        for (var i = 0; i < blobServers.Count; i++)
        {
            var blob = blobServers[i];
            service.WithReference(blob)
                .WaitFor(blob)
                .WithEnvironment($"Sos__BlobServers__{i}", $"http://{blob.Resource.Name}");
            if (zoneCount > 0)
            {
                var zone = "zone" + (i % zoneCount).ToString(System.Globalization.CultureInfo.InvariantCulture);
                service.WithEnvironment($"Sos__Zones__{blob.Resource.Name}", zone);
            }
        }
        return service.WithEnvironment("Sos__MinCopies", minCopies.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
