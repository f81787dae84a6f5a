using Microsoft.Extensions.Options;
using Sos.BlobServer.Storage;

namespace Sos.BlobServer;

public static class BlobServerExtensions
{
    /// <summary>Everything a blob server needs: its options, storage engine and health check.</summary>
    public static WebApplicationBuilder AddBlobServer(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<BlobStoreOptions>()
            .BindConfiguration(BlobStoreOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<IDurableCommitter, FsyncCommitter>();
        builder.Services.AddSingleton<BlobStore>();
        builder.Services.AddHostedService<BlobScrubber>();
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        builder.Services.AddProblemDetails();
        // Bodies up to the largest object; Kestrel still refuses anything bigger with 413 before reading it.
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<BlobStoreOptions>>((kestrel, store) => kestrel.Limits.MaxRequestBodySize = store.Value.MaxObjectBytes);
        return builder;
    }
}
