using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.UploadApi.Uploads;

/// <summary>The outcome of an upload: the object, and where its copies went or why they did not.</summary>
public sealed record UploadResult(HashedContent Content, FanOutResult Copies, int RequiredCopies)
{
    public bool IsDurable => Copies.Written.Count >= RequiredCopies;
}

/// <summary>
/// The write path: spool the body to a temp file while hashing it (the id picks the servers),
/// then write copies in parallel to the object's preferred blob servers, moving on to the next
/// server in rendezvous order whenever one fails. Durable means every blob server that said
/// OK had flushed its copy to disk.
/// </summary>
public sealed partial class ObjectUploader
{
    private readonly BlobCluster _cluster;
    private readonly BlobServerClient _client;
    private readonly UploadOptions _options;
    private readonly string _spool;
    private readonly ILogger<ObjectUploader> _logger;

    public ObjectUploader(BlobCluster cluster, BlobServerClient client, IOptions<UploadOptions> options, ILogger<ObjectUploader> logger)
    {
        _cluster = cluster;
        _client = client;
        _options = options.Value;
        _logger = logger;
        _spool = _options.SpoolPath;
        Directory.CreateDirectory(_spool);
    }

    public async Task<UploadResult> UploadAsync(Stream body, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        using var activity = UploadApiTelemetry.Source.StartActivity("sos.upload");
        var spoolPath = Path.Combine(_spool, Guid.NewGuid().ToString("N"));
        // DeleteOnClose: whatever happens to the request, the spool file goes when it ends.
        await using var spool = new FileStream(spoolPath, FileMode.CreateNew, FileAccess.Write, FileShare.Read | FileShare.Delete, bufferSize: 0, FileOptions.DeleteOnClose | FileOptions.Asynchronous);
        var content = await HashingCopy.CopyAsync(body, spool, _options.MaxObjectBytes, cancellationToken);
        await spool.FlushAsync(cancellationToken);
        activity?.SetTag("sos.object.id", content.Id.ToString());
        activity?.SetTag("sos.object.size", content.Size);

        var candidates = _cluster.Rank(content.Id);
        var copies = await ReplicaFanOut.WriteAsync(candidates, _cluster.MinCopies, async (server, ct) =>
        {
            // Each copy reads the spool through its own handle, so copies go out in parallel.
            await using var reader = new FileStream(spoolPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, bufferSize: 0, FileOptions.Asynchronous | FileOptions.SequentialScan);
            // A server that hangs counts as failed once its deadline passes: the next one takes the copy.
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(_options.CopyDeadline(content.Size));
            await _client.StoreAsync(server, content.Id, reader, content.Size, metadata, deadline.Token);
        }, cancellationToken);

        foreach (var (server, error) in copies.Failures)
        {
            LogCopyFailed(_logger, content.Id, server.Name, error.Message);
        }
        var result = new UploadResult(content, copies, _cluster.MinCopies);
        activity?.SetTag("sos.replicas.written", copies.Written.Count);
        activity?.SetTag("sos.replicas.servers", string.Join(",", copies.Written.Select(server => server.Name)));
        if (!result.IsDurable)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "too few copies");
            LogNotDurable(_logger, content.Id, copies.Written.Count, _cluster.MinCopies);
        }
        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy of {ObjectId} to {Server} failed: {Reason}")]
    private static partial void LogCopyFailed(ILogger logger, ObjectId objectId, string server, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload of {ObjectId} refused: {Written} durable copies, {Required} required")]
    private static partial void LogNotDurable(ILogger logger, ObjectId objectId, int written, int required);
}
