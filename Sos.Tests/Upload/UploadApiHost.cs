using Sos.Tests.Fakes;
using Sos.UploadApi;
using Sos.UploadApi.Uploads;

namespace Sos.Tests.Upload;

/// <summary>The upload API in the test process, over the given blob servers.</summary>
internal static class UploadApiHost
{
    public static Task<InProcessApp> StartAsync(IEnumerable<Uri> blobServers, int minCopies = 2)
    {
        var settings = new Dictionary<string, string?> { ["Sos:MinCopies"] = minCopies.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        var index = 0;
        foreach (var server in blobServers)
        {
            settings[$"Sos:BlobServers:{index++}"] = server.ToString();
        }
        return InProcessApp.StartAsync(builder => builder.AddUploadApi(), app => app.MapUploadEndpoints(), settings);
    }
}
