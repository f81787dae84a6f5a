using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Sos.BlobServer.Leases;
using Sos.BlobServer.Marks;
using Sos.BlobServer.Storage;
using Sos.Core.Configuration;
using Sos.Core.Files;

namespace Sos.BlobServer;

public static class BlobServerExtensions
{
    /// <summary>Everything a blob server needs: its options, storage engine, inbox, scrub, trash, leases, the replicator's mark and health check.</summary>
    public static WebApplicationBuilder AddBlobServer(this WebApplicationBuilder builder)
    {
        builder.Services.AddValidatedOptions<BlobStoreOptions>(BlobStoreOptions.SectionName);
        // Disposed with the host: queued writes are finished or failed, none left hanging.
        builder.Services.AddSingleton<IDurableCommitter, GroupCommitter>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<BlobStore>();
        // Started before the server serves: what the inbox holds is adopted first (see InboxAdopter).
        builder.Services.AddSingleton<InboxAdopter>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<InboxAdopter>());
        builder.Services.AddSingleton<LeaseTable>();
        builder.Services.AddSingleton<ReplicatorMarkFile>();
        builder.Services.AddHostedService<BlobScrubber>();
        builder.Services.AddHostedService<TrashSweeper>();
        builder.Services.AddHealthChecks().AddCheck<StorageHealthCheck>("storage");
        builder.Services.AddProblemDetails();
        // Temp files of cut-short writes are deleted at once and all are cleared at start; this
        // catches any that a failed delete left behind while the server runs.
        builder.Services.AddStaleFileSweeper(provider => provider.GetRequiredService<BlobStore>().TempDirectory,
            maxAge: TimeSpan.FromHours(1), period: TimeSpan.FromMinutes(10));
        // Bodies up to the largest object; Kestrel still refuses anything bigger with 413 before reading it.
        builder.Services.AddOptions<Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions>()
            .Configure<IOptions<BlobStoreOptions>>((kestrel, store) => kestrel.Limits.MaxRequestBodySize = store.Value.MaxObjectBytes);
        return builder;
    }
}
