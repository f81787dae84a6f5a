using Sos.Core.BlobServers;
using Sos.DownloadApi.Fetch;

namespace Sos.DownloadApi;

public static class DownloadApiExtensions
{
    /// <summary>Everything the download API needs: the blob-server client, the cache and the locator.</summary>
    public static WebApplicationBuilder AddDownloadApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddBlobServerClient();
        builder.Services.AddOptions<ObjectCacheOptions>()
            .BindConfiguration(ObjectCacheOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<ObjectCache>();
        // Transient like the typed HttpClient it holds, so the client factory can rotate handlers.
        builder.Services.AddTransient<ObjectLocator>();
        builder.Services.AddProblemDetails();
        return builder;
    }
}
