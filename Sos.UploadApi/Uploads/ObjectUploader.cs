using System.Diagnostics;
using Microsoft.Extensions.Options;
using Sos.Core.Cluster;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.UploadApi.Uploads;

/// <summary>
/// The write path: receive the body whole while hashing it (the id picks the servers), ask the
/// cluster who already holds the object, then write the copies it lacks, in parallel, to its
/// preferred blob servers, moving on to the next server in rendezvous order whenever one fails.
/// Durable means every blob server that said OK had flushed its copy to disk. An object's
/// metadata is its first upload's: copies added later carry what its holders have.
/// </summary>
public sealed partial class ObjectUploader
{
    private static readonly FanOutResult NothingWritten = new([], []);

    private readonly ClusterClient _cluster;
    private readonly UploadOptions _options;
    private readonly ILogger<ObjectUploader> _logger;

    public ObjectUploader(ClusterClient cluster, IOptions<UploadOptions> options, ILogger<ObjectUploader> logger)
    {
        _cluster = cluster;
        _options = options.Value;
        _logger = logger;
        Directory.CreateDirectory(_options.SpoolPath);
    }

    /// <summary>The copies an upload must have before it is acknowledged.</summary>
    public int RequiredCopies => _cluster.MinCopies;

    /// <summary>Which servers hold the object, and how many could not be asked.</summary>
    public Task<CopyCount> CountCopiesAsync(ObjectId id, CancellationToken cancellationToken) =>
        _cluster.CountCopiesAsync(id, cancellationToken);

    /// <summary>Receives and hashes the body, then writes the copies the object lacks. A small body with a Content-Length is held in memory.</summary>
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
            return new UploadResult(content, [], NothingWritten, RequiredCopies, UploadRefusal.DigestMismatch);
        }
        var present = await _cluster.CountCopiesAsync(content.Id, cancellationToken);
        if (present.Copies >= RequiredCopies)
        {
            // Already stored with its copies: nothing is rewritten, so nothing about it changes.
            activity?.SetTag("sos.replicas.written", 0);
            return new UploadResult(content, present.Holders, NothingWritten, RequiredCopies,
                conditions.OnlyIfAbsent ? UploadRefusal.AlreadyStored : UploadRefusal.None);
        }
        if (present.Copies == 0 && present.Unavailable >= RequiredCopies)
        {
            // A stored object has copies on at least RequiredCopies servers, so with fewer silent
            // servers one of its holders answered. With this many silent, its holders may all be
            // among them: copies written now would carry this upload's metadata, not its first.
            activity?.SetStatus(ActivityStatusCode.Error, "holders unknown");
            LogHoldersUnknown(_logger, content.Id, present.Unavailable);
            UploadApiTelemetry.Refused.Add(1);
            return new UploadResult(content, [], NothingWritten, RequiredCopies);
        }
        // First write wins: new copies of a stored object carry its holders' metadata, not this upload's.
        var copyMetadata = present.Info?.Metadata ?? metadata;
        var copies = await _cluster.WriteCopiesAsync(content.Id, content.Size, received.OpenReader, copyMetadata,
            RequiredCopies - present.Copies, present.Holders, _options.CopyDeadline(content.Size), cancellationToken);

        var result = new UploadResult(content, present.Holders, copies, RequiredCopies);
        activity?.SetTag("sos.replicas.written", copies.Written.Count);
        activity?.SetTag("sos.replicas.servers", string.Join(",", present.Holders.Concat(copies.Written).Select(server => server.Name)));
        UploadApiTelemetry.Handoffs.Add(copies.Failures.Count);
        if (!result.IsDurable)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "too few copies");
            LogNotDurable(_logger, content.Id, result.DurableCopies, RequiredCopies);
            UploadApiTelemetry.Refused.Add(1);
            return result;
        }
        UploadApiTelemetry.ObjectsStored.Add(1);
        UploadApiTelemetry.BytesIn.Add(content.Size);
        UploadApiTelemetry.CopiesWritten.Record(copies.Written.Count);
        return result;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Upload of {ObjectId} refused: {Unavailable} blob servers could not say whether they hold it, so it may be stored already")]
    private static partial void LogHoldersUnknown(ILogger logger, ObjectId objectId, int unavailable);

    [LoggerMessage(Level = LogLevel.Error, Message = "Upload of {ObjectId} refused: {Written} durable copies, {Required} required")]
    private static partial void LogNotDurable(ILogger logger, ObjectId objectId, int written, int required);
}
