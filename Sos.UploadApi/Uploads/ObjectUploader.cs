using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.UploadApi.Uploads;

/// <summary>
/// What the client asked of an upload beyond its bytes: the id it expects them to hash to
/// (from <c>X-Sos-Sha1</c> or <c>Content-Digest</c>), and whether to store them only when the
/// object does not already have its copies (<c>If-None-Match: *</c>).
/// </summary>
public sealed record UploadConditions(ObjectId? ExpectedId, bool OnlyIfAbsent)
{
    public static readonly UploadConditions None = new(null, false);
}

/// <summary>Why an upload stored nothing although its body was read whole.</summary>
public enum UploadRefusal
{
    None,
    /// <summary>The bytes do not hash to the id the client announced.</summary>
    DigestMismatch,
    /// <summary>If-None-Match: * and the object already had its copies.</summary>
    AlreadyStored,
}

/// <summary>The outcome of an upload: the object, and where its copies went or why they did not.</summary>
public sealed record UploadResult(HashedContent Content, FanOutResult Copies, int RequiredCopies, UploadRefusal Refusal = UploadRefusal.None)
{
    public bool IsDurable => Copies.Written.Count >= RequiredCopies;
}

/// <summary>How many of an object's copies were found, and its size as a server holding one reported it.</summary>
public sealed record CopyCount(int Copies, long? Size);

/// <summary>
/// The write path: receive the body whole while hashing it (the id picks the servers),
/// then write copies in parallel to the object's preferred blob servers, moving on to the next
/// server in rendezvous order whenever one fails. Durable means every blob server that said
/// OK had flushed its copy to disk.
/// </summary>
public sealed partial class ObjectUploader
{
    private static readonly FanOutResult NothingWritten = new([], []);

    private readonly BlobCluster _cluster;
    private readonly BlobServerClient _client;
    private readonly UploadOptions _options;
    private readonly ILogger<ObjectUploader> _logger;

    public ObjectUploader(BlobCluster cluster, BlobServerClient client, IOptions<UploadOptions> options, ILogger<ObjectUploader> logger)
    {
        _cluster = cluster;
        _client = client;
        _options = options.Value;
        _logger = logger;
        Directory.CreateDirectory(_options.SpoolPath);
    }

    /// <summary>The copies an upload must have before it is acknowledged.</summary>
    public int RequiredCopies => _cluster.MinCopies;

    /// <summary>
    /// Asks the object's servers, preferred first, whether they hold a copy, until it has
    /// its minimum of copies or every server was asked. A server that fails counts as not
    /// holding one, so a doubt always means the upload goes ahead.
    /// </summary>
    public async Task<CopyCount> CountCopiesAsync(ObjectId id, CancellationToken cancellationToken)
    {
        int copies = 0;
        long? size = null;
        foreach (var server in _cluster.Rank(id))
        {
            try
            {
                using var copy = await _client.OpenAsync(server, id, headersOnly: true, cancellationToken);
                if (copy is not null)
                {
                    copies++;
                    size ??= copy.Length;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or BlobServerException)
            {
                LogCopyCheckFailed(_logger, id, server.Name, ex.Message);
            }
            if (copies >= _cluster.MinCopies)
            {
                break;
            }
        }
        return new CopyCount(copies, size);
    }

    /// <summary>Receives and hashes the body, then writes its copies. A small body with a Content-Length is held in memory.</summary>
    public async Task<UploadResult> UploadAsync(Stream body, long? announcedLength, IReadOnlyDictionary<string, string> metadata, UploadConditions conditions, CancellationToken cancellationToken)
    {
        using var activity = UploadApiTelemetry.Source.StartActivity("sos.upload");
        await using var received = await ReceivedBody.ReceiveAsync(body, announcedLength, _options, cancellationToken);
        var content = received.Content;
        activity?.SetTag("sos.object.id", content.Id.ToString());
        activity?.SetTag("sos.object.size", content.Size);

        if (conditions.ExpectedId is { } expected && expected != content.Id)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "digest mismatch");
            return new UploadResult(content, NothingWritten, _cluster.MinCopies, UploadRefusal.DigestMismatch);
        }
        if (conditions.OnlyIfAbsent && (await CountCopiesAsync(content.Id, cancellationToken)).Copies >= _cluster.MinCopies)
        {
            return new UploadResult(content, NothingWritten, _cluster.MinCopies, UploadRefusal.AlreadyStored);
        }

        var candidates = _cluster.Rank(content.Id);
        var copies = await ReplicaFanOut.WriteAsync(candidates, _cluster.MinCopies, async (server, ct) =>
        {
            await using var reader = received.OpenReader();
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
        UploadApiTelemetry.Handoffs.Add(copies.Failures.Count);
        if (!result.IsDurable)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "too few copies");
            LogNotDurable(_logger, content.Id, copies.Written.Count, _cluster.MinCopies);
            UploadApiTelemetry.Refused.Add(1);
            return result;
        }
        UploadApiTelemetry.ObjectsStored.Add(1);
        UploadApiTelemetry.BytesIn.Add(content.Size);
        UploadApiTelemetry.CopiesWritten.Record(copies.Written.Count);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not ask {Server} whether it holds {ObjectId}: {Reason}")]
    private static partial void LogCopyCheckFailed(ILogger logger, ObjectId objectId, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Copy of {ObjectId} to {Server} failed: {Reason}")]
    private static partial void LogCopyFailed(ILogger logger, ObjectId objectId, string server, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload of {ObjectId} refused: {Written} durable copies, {Required} required")]
    private static partial void LogNotDurable(ILogger logger, ObjectId objectId, int written, int required);
}
