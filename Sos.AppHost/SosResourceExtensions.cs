namespace Sos.AppHost;

internal static class SosResourceExtensions
{
    /// <summary>
    /// Gives a service the blob servers: a service-discovery reference to each, its address by
    /// name in <c>Sos:BlobServers</c> (so the list comes from here, never from appsettings),
    /// and a wait until each is healthy.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithBlobServers(
        this IResourceBuilder<ProjectResource> service, IReadOnlyList<IResourceBuilder<ProjectResource>> blobServers, int minCopies)
    {
        for (var i = 0; i < blobServers.Count; i++)
        {
            var blob = blobServers[i];
            service.WithReference(blob)
                .WaitFor(blob)
                .WithEnvironment($"Sos__BlobServers__{i}", $"http://{blob.Resource.Name}");
        }
        return service.WithEnvironment("Sos__MinCopies", minCopies.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
