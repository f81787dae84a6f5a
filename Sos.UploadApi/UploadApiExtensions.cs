using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Sos.Core.Cluster;
using Sos.Core.Configuration;
using Sos.Core.Files;
using Sos.UploadApi.Deletes;
using Sos.UploadApi.Uploads;

namespace Sos.UploadApi;

public static class UploadApiExtensions
{
    /// <summary>Everything the upload API needs: options, the cluster layer, the uploader and the deleter.</summary>
    public static WebApplicationBuilder AddUploadApi(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<UploadOptions>(UploadOptions.SectionName);
        builder.Services.AddBlobCluster();
        // Transient like the typed cluster client it holds (a typed HttpClient).
        builder.Services.AddTransient<ObjectUploader>();
        builder.Services.AddTransient<ObjectDeleter>();
        builder.Services.AddProblemDetails();
        // Spool files are deleted when their request ends; this catches those of a crashed process.
        builder.Services.AddStaleFileSweeper(provider => provider.GetRequiredService<IOptions<UploadOptions>>().Value.SpoolPath,
            maxAge: TimeSpan.FromHours(1), period: TimeSpan.FromMinutes(10));
        // Kestrel's 30 MB default would cut uploads short; the configured maximum is the limit.
        builder.Services.AddOptions<KestrelServerOptions>()
            .Configure<IOptions<UploadOptions>>((kestrel, upload) => kestrel.Limits.MaxRequestBodySize = upload.Value.MaxObjectBytes);
        return builder;
    }
}
