using System.Reflection;

namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// Where the cluster's service projects are: recorded in this assembly when it was built (see
/// the project file), since only an AppHost gets generated project metadata types.
/// </summary>
internal static class SosProjects
{
    public static string BlobServer => PathOf("Sos.BlobServer");

    public static string UploadApi => PathOf("Sos.UploadApi");

    public static string DownloadApi => PathOf("Sos.DownloadApi");

    public static string Replicator => PathOf("Sos.Replicator");

    private static string PathOf(string project) =>
        typeof(SosProjects).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .SingleOrDefault(attribute => attribute.Key == $"Sos.Project:{project}")?.Value
        ?? throw new InvalidOperationException($"Sos.Hosting was built without the path of {project}; build it from the Sos repository.");
}
