using Microsoft.AspNetCore.Builder;
using Sos.DownloadApi;
using Sos.DownloadApi.Fetch;
using Sos.Tests.Fakes;

namespace Sos.Tests.Download;

/// <summary>The download API in the test process, over the given blob servers.</summary>
internal static class DownloadApiHost
{
    public static Task<InProcessApp> StartAsync(IEnumerable<Uri> blobServers, IDictionary<string, string?>? extra = null, Action<WebApplicationBuilder>? configure = null)
    {
        var settings = new Dictionary<string, string?>();
        var index = 0;
        foreach (var server in blobServers)
        {
            settings[$"Sos:BlobServers:{index++}"] = server.ToString();
        }
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return InProcessApp.StartAsync(builder =>
        {
            configure?.Invoke(builder);
            builder.AddDownloadApi();
        }, app => app.MapFetchEndpoints(), settings);
    }
}
