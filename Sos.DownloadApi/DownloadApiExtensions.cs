using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Sos.Core.Cluster;
using Sos.Core.Configuration;
using Sos.DownloadApi.Fetch;

namespace Sos.DownloadApi;

public static class DownloadApiExtensions
{
    /// <summary>Everything the download API needs: its options, the cluster layer, the cache and the object source.</summary>
    public static WebApplicationBuilder AddDownloadApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<DownloadOptions>(DownloadOptions.SectionName);
        builder.Services.AddValidatedOptions<ObjectCacheOptions>(ObjectCacheOptions.SectionName);
        builder.Services.AddBlobCluster();
        builder.Services.AddSingleton<ObjectCache>();
        // Transient like the typed cluster client it holds (a typed HttpClient).
        builder.Services.AddTransient<ObjectSource>();
        builder.Services.AddProblemDetails();
        // Each connection's memory is bounded (a small read-ahead, a copy buffer, Kestrel's
        // response buffer); bounding the connections bounds the whole against slow readers.
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<DownloadOptions>>((kestrel, download) => kestrel.Limits.MaxConcurrentConnections = download.Value.MaxConcurrentConnections);
        return builder;
    }
}
