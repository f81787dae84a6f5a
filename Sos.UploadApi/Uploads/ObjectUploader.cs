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
/// metadata is its first upload's since it was last deleted: copies added later carry what its holders have.
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
    }

    /// <summary>The copies an upload must have before it is acknowledged.</summary>
    public int RequiredCopies => _cluster.MinCopies;

    /// <summary>Which servers hold the object, and how many could not be asked.</summary>
    public Task<CopyCount> CountCopiesAsync(ObjectId id, CancellationToken cancellationToken) =>
        _cluster.CountCopiesAsync(id, cancellationToken);

    /// <summary>
    /// Receives and hashes the body, then writes the copies the object lacks. A small body with a
    /// Content-Length is held in memory, a larger one spooled to a file. A larger one whose id the
    /// client announced, of an object no server holds nor recorded a delete of, is copied while it
    /// arrives and not held (<see cref="UploadWhileReceivingAsync"/>).
    /// </summary>
    public async Task<UploadResult> UploadAsync(Stream body, long? announcedLength, IReadOnlyDictionary<string, string> metadata, UploadConditions conditions, CancellationToken cancellationToken)
    {
        if (conditions.ExpectedId is { } announced && announcedLength > _options.InMemoryMaxBytes)
        {
            var before = await _cluster.CountCopiesAsync(announced, cancellationToken);
            if (before is { Copies: 0, Deleted: null } && before.Unavailable < RequiredCopies)
            {
                return await UploadWhileReceivingAsync(body, announced, announcedLength.Value, metadata, cancellationToken);
            }
            // Held somewhere, deleted before, or its holders may be among the silent servers: the
            // usual path, which asks again once it has the body.
        }
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
        // Copies left over from an earlier delete are not the object's: the delete goes first to
        // every server that may hold one, so that none of this upload's copies is taken for one of them.
        var copyMetadata = present.Info?.Metadata ?? metadata;
        var leftOut = await _cluster.BringDeleteAsync(content.Id, present, cancellationToken);
        var copies = await _cluster.WriteCopiesAsync(content.Id, content.Size, received.OpenReader, copyMetadata,
            RequiredCopies - present.Copies, [.. present.Holders, .. leftOut], _options.CopyDeadline(content.Size), cancellationToken);

        return Finish(activity, content, present.Holders, copies);
    }

    /// <summary>
    /// The upload of a new object whose id the client announced: the id picks the servers before
    /// the first byte arrives, so its copies stream to them while the body is received, and the
    /// body passes through once, held nowhere. A copy that fails is handed off from one that was
    /// written, read back from its server; with none written, the upload is refused (the client
    /// sends it again). Bytes that do not hash to the announced id are refused by every blob server,
    /// so nothing is stored.
    /// </summary>
    private async Task<UploadResult> UploadWhileReceivingAsync(Stream body, ObjectId announced, long length, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken)
    {
        using var activity = UploadApiTelemetry.Source.StartActivity("sos.upload");
        activity?.SetTag("sos.object.id", announced.ToString());
        activity?.SetTag("sos.upload.streamed", true);
        var deadline = _options.CopyDeadline(length);
        var streamed = _cluster.StartStreamedCopies(announced, length, metadata, _cluster.Rank(announced).Take(RequiredCopies), deadline, cancellationToken);
        HashedContent content;
        try
        {
            content = await ReceivedBody.PassOnAsync(body, streamed.Body, _options, cancellationToken);
        }
        catch (Exception ex)
        {
            // The body broke off: every copy ends with it, none completes.
            await streamed.CompleteAsync(ex);
            throw;
        }
        var early = await streamed.CompleteAsync();
        activity?.SetTag("sos.object.size", content.Size);
        if (content.Id != announced)
        {
            activity?.SetStatus(ActivityStatusCode.Error, "digest mismatch");
            return new UploadResult(content, [], NothingWritten, RequiredCopies, UploadRefusal.DigestMismatch);
        }
        var tried = early.Written.Concat(early.Failures.Select(failure => failure.Server)).ToList();
        var late = early.Written.Count > 0 && early.Written.Count < RequiredCopies
            ? await _cluster.CopyFromAsync(early.Written[0], announced, RequiredCopies - early.Written.Count, tried, deadline, cancellationToken)
            : NothingWritten;
        return Finish(activity, content, [], new FanOutResult([.. early.Written, .. late.Written], [.. early.Failures, .. late.Failures]));
    }

    /// <summary>Records the outcome of the copies on the span and in the metrics.</summary>
    private UploadResult Finish(Activity? activity, HashedContent content, IReadOnlyList<BlobServer> holders, FanOutResult copies)
    {
        var result = new UploadResult(content, holders, copies, RequiredCopies);
        activity?.SetTag("sos.replicas.written", copies.Written.Count);
        activity?.SetTag("sos.replicas.servers", string.Join(",", holders.Concat(copies.Written).Select(server => server.Name)));
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
