using System.Diagnostics;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;
using Sos.BlobServer.Security;
using Sos.BlobServer.Storage;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.BlobServer.Blobs;

/// <summary>
/// The blob-server wire API of the original sos, plus a paged listing, the server's identity,
/// verification of a copy on demand, removal (to the trash) for the replicator, and deletes:
/// tombstones, written with the delete token, listed and read with any, forgotten by the replicator.
/// </summary>
public static class BlobEndpoints
{
    private const int DefaultPageSize = 1000;
    private const int MaxPageSize = 100_000;

    /// <summary>The most ids one presence question may name.</summary>
    public const int MaxPresenceIds = 1000;

    public static RouteGroupBuilder MapBlobEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("");
        group.MapMethods("/blob/{id}", [HttpMethods.Post, HttpMethods.Put], StoreBlob);
        group.MapMethods("/blob/{id}", [HttpMethods.Get, HttpMethods.Head], ReadBlob);
        group.MapPost("/blob/{id}/verify", VerifyBlob);
        group.MapDelete("/blob/{id}", DeleteBlob).RequireReplicatorScope();
        group.MapGet("/blobs", ListBlobs);
        group.MapPost("/" + PresenceAnswer.Route, FindHeld);
        group.MapPost("/" + CopyBatch.Route, StoreBatch);
        group.MapGet("/identity", GetIdentity);
        group.MapPut("/tombstone/{id}", WriteTombstone).RequireDeleteScope();
        group.MapGet("/tombstone/{id}", ReadTombstone);
        group.MapDelete("/tombstone/{id}", RemoveTombstone).RequireReplicatorScope();
        group.MapGet("/tombstones", ListTombstones);
        return group;
    }

    private static async Task<Results<Ok<StoredObject>, ProblemHttpResult>> StoreBlob(string id, HttpRequest request, BlobStore store, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var objectId))
        {
            return InvalidId(id);
        }
        var metadata = ObjectMetadata.FromHeaders(request.Headers);
        // The upload API's rules: a copy written by any client (the replicator, an older upload API)
        // holds only what every download can serve back.
        if (MetadataRules.Check(metadata) is { } problem)
        {
            return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Invalid metadata");
        }
        if (!TryReadStamp(request, out var stamp))
        {
            return InvalidStamp();
        }
        if (!TryReadStamp(request, TombstoneRecord.Header, out var deleted))
        {
            return InvalidStamp(TombstoneRecord.Header);
        }
        if (deleted is { } delete)
        {
            // Not in the original sos: a write that follows a delete (the replicator's copy of an
            // object uploaded again) names it, and it is recorded first, as PUT /tombstone would:
            // a copy from before it held here goes to the trash rather than keep its metadata.
            if (!TokenCheck.MayRecordDeletes(request.HttpContext))
            {
                return TokenCheck.DeleteScopeRequired();
            }
            if ((await store.WriteTombstoneAsync(objectId, delete, cancellationToken)).Status == TombstoneStatus.Unavailable)
            {
                return WritesStopped();
            }
        }
        try
        {
            var result = await store.StoreAsync(objectId, request.Body, metadata, stamp, cancellationToken, request.ContentLength);
            return result.Status switch
            {
                StoreStatus.Stored => TypedResults.Ok(new StoredObject(id, result.Actual.Size, "OK")),
                StoreStatus.HashMismatch => TypedResults.Problem(
                    $"The body hashes to {result.Actual.Id}, not to {id}; nothing was stored.", statusCode: StatusCodes.Status400BadRequest, title: "Hash mismatch"),
                // Not 507: the disk may have room; it can no longer be trusted with writes until a restart.
                StoreStatus.Deleted => TypedResults.Problem(
                    $"{id} was deleted after this write was made; nothing was stored.", statusCode: StatusCodes.Status409Conflict, title: "Deleted"),
                StoreStatus.Unavailable => WritesStopped(),
                _ => TypedResults.Problem(
                    "This blob server is low on disk space and takes no writes.", statusCode: StatusCodes.Status507InsufficientStorage, title: "Insufficient storage"),
            };
        }
        catch (ObjectTooLargeException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status413PayloadTooLarge, title: "Object too large");
        }
    }

    /// <summary>
    /// Not in the original sos: many small copies in one request (<see cref="CopyBatch"/>), stored
    /// at once so that they share their flushes. A malformed batch is refused whole and stores
    /// nothing; each copy of a well-formed one is answered as its own write would be.
    /// </summary>
    private static async Task<Results<Ok<StoredObject[]>, ProblemHttpResult>> StoreBatch(HttpRequest request, BlobStore store, CancellationToken cancellationToken)
    {
        var (copies, problem) = await CopyBatchReader.ReadAsync(request, cancellationToken);
        if (problem is not null)
        {
            return TypedResults.Problem(problem, statusCode: StatusCodes.Status400BadRequest, title: "Invalid copy batch");
        }
        var batch = Activity.Current?.Context;
        var traces = copies.Select(copy => BlobServerTelemetry.TraceCopy("sos.blob.batch.copy", ActivityKind.Server, copy.TraceParent, copy.Id, copy.Bytes.Length, batch is { } carried ? [new ActivityLink(carried)] : null)).ToArray();
        try
        {
            var answers = new StoredObject[copies.Count];
            var accepted = new List<int>(copies.Count);
            for (var i = 0; i < copies.Count; i++)
            {
                if (MetadataRules.Check(copies[i].Metadata) is not null)
                {
                    answers[i] = new StoredObject(copies[i].Id.ToString(), copies[i].Bytes.Length, "invalid metadata");
                    continue;
                }
                accepted.Add(i);
            }
            // Stored together: the small-object log appends the whole batch with one write and one flush.
            var results = await store.StoreSmallAsync([.. accepted.Select(i => new SmallCopy(copies[i].Id, copies[i].Bytes, copies[i].Metadata, copies[i].Stamp))], cancellationToken);
            for (var k = 0; k < accepted.Count; k++)
            {
                var copy = copies[accepted[k]];
                answers[accepted[k]] = new StoredObject(copy.Id.ToString(), copy.Bytes.Length, results[k].Status switch
                {
                    StoreStatus.Stored => CopyBatch.Stored,
                    StoreStatus.HashMismatch => $"hash mismatch: the bytes hash to {results[k].Actual.Id}",
                    StoreStatus.Deleted => "deleted after this write was made",
                    StoreStatus.Unavailable => "writes stopped: a flush of this server's disk failed",
                    _ => "insufficient storage",
                });
                if (results[k].Status != StoreStatus.Stored)
                {
                    traces[accepted[k]].Store?.SetStatus(ActivityStatusCode.Error, answers[accepted[k]].Status);
                }
            }
            return TypedResults.Ok(answers);
        }
        finally
        {
            foreach (var (copyTrace, storeTrace) in traces)
            {
                storeTrace?.Dispose();
                copyTrace?.Dispose();
            }
        }
    }

    private static Results<VerifiedBlobResult, FileStreamHttpResult, FileContentHttpResult, NotFound, ProblemHttpResult> ReadBlob(string id, HttpRequest request, HttpResponse response, BlobStore store)
    {
        if (!ObjectId.TryParse(id, out var objectId))
        {
            return InvalidId(id);
        }
        var blob = store.Find(objectId);
        if (blob is null)
        {
            if (store.FindTombstone(objectId) is { } deleted)
            {
                response.Headers[TombstoneRecord.Header] = deleted.ToString();
            }
            return TypedResults.NotFound();
        }
        string? contentType = null;
        // A copy carries its write's timestamp, so that the replicator's copy of it is as old as it
        // is, and a delete recorded before it, so that the copy's target records that delete too.
        response.Headers[HybridTimestamp.Header] = blob.Stamp.ToString();
        if (store.FindTombstone(objectId) is { } earlier)
        {
            response.Headers[TombstoneRecord.Header] = earlier.ToString();
        }
        foreach (var (name, value) in blob.Metadata)
        {
            response.Headers[name] = value;
            if (name.Equals(ObjectMetadata.MimeTypeHeader, StringComparison.OrdinalIgnoreCase))
            {
                contentType = value;
            }
        }
        contentType ??= "application/octet-stream";
        if (blob.Logged is not null)
        {
            // A small copy in the log is read and checked whole before its answer starts: a bad one
            // is quarantined and answered as absent, so the reader goes on to another server.
            if (store.ReadLogged(blob) is not { } checkedBytes)
            {
                response.Headers.Clear();
                return TypedResults.NotFound();
            }
            response.Headers[VerifiedStreamHeader.Name] = "chunks";
            return TypedResults.Bytes(checkedBytes, contentType, lastModified: blob.LastModified,
                entityTag: new EntityTagHeaderValue($"\"{id}\""), enableRangeProcessing: true);
        }
        // A whole read is checked against the id as it streams. A range (or a conditional read)
        // goes through the file result, which handles Range and the preconditions and answers
        // HEAD without reading; each chunk it reads is checked against the sums recorded when
        // the copy was written.
        if (HttpMethods.IsGet(request.Method) && !IsRangeOrConditional(request.Headers))
        {
            return new VerifiedBlobResult(blob, contentType, store);
        }
        var file = blob.OpenRead();
        Stream bytes = file;
        if (blob.Chunks is { } chunks)
        {
            var read = StoredBlob.IdentityOf(file);
            bytes = new ChunkVerifyingStream(file, objectId, chunks, _ =>
            {
                store.Quarantine(objectId, read);
                return Task.CompletedTask;
            });
        }
        return TypedResults.Stream(bytes, contentType, lastModified: blob.LastModified,
            entityTag: new EntityTagHeaderValue($"\"{id}\""), enableRangeProcessing: true);
    }

    private static bool IsRangeOrConditional(IHeaderDictionary headers) =>
        headers.Range.Count > 0 || headers.IfNoneMatch.Count > 0 || headers.IfModifiedSince.Count > 0
        || headers.IfMatch.Count > 0 || headers.IfUnmodifiedSince.Count > 0;

    /// <summary>Re-hashes this server's copy and checks its metadata; a bad copy is quarantined by the check.</summary>
    private static async Task<Results<Ok<StoredObject>, NotFound, ProblemHttpResult>> VerifyBlob(string id, BlobStore store, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var objectId))
        {
            return InvalidId(id);
        }
        var check = await store.CheckAsync(objectId, spend: null, cancellationToken);
        return check.State switch
        {
            CopyState.Good => TypedResults.Ok(new StoredObject(id, check.Size, "OK")),
            CopyState.Missing => TypedResults.NotFound(),
            _ => TypedResults.Problem($"This server's copy of {id} was bad ({check.Reason}) and is quarantined.", statusCode: StatusCodes.Status409Conflict, title: "Bad copy"),
        };
    }

    /// <summary>
    /// Not in the original sos: which of the given ids this server holds, each answered as its
    /// <c>HEAD</c> would be, and which it holds tombstones of. The upload API asks every server
    /// about every upload it takes; asked together, many uploads cost one request per server
    /// instead of one each.
    /// </summary>
    private static Results<Ok<PresenceAnswer>, ProblemHttpResult> FindHeld(string[] ids, BlobStore store)
    {
        if (ids.Length > MaxPresenceIds)
        {
            return TypedResults.Problem($"At most {MaxPresenceIds} ids may be asked at once.", statusCode: StatusCodes.Status400BadRequest, title: "Too many ids");
        }
        var held = new List<HeldCopy>();
        var tombstones = new List<TombstoneRecord>();
        var asked = new HashSet<ObjectId>();
        foreach (var text in ids)
        {
            if (!ObjectId.TryParse(text, out var id))
            {
                return InvalidId(text);
            }
            // An id asked twice is answered once: each copy and tombstone appears in the answer one time.
            if (!asked.Add(id))
            {
                continue;
            }
            if (store.Find(id) is { } blob)
            {
                held.Add(new HeldCopy(text, blob.Length, blob.LastModified, blob.Stamp.ToString(), blob.Metadata));
            }
            if (store.FindTombstone(id) is { } deleted)
            {
                tombstones.Add(new TombstoneRecord(text, deleted.Ticks));
            }
        }
        return TypedResults.Ok(new PresenceAnswer([.. held], [.. tombstones]));
    }

    private static Ok<ServerIdentity> GetIdentity(BlobStore store) => TypedResults.Ok(new ServerIdentity(store.Identity));

    /// <summary>Not in the original sos: the replicator removes copies left on handoff servers with it. They go to the trash, not away.</summary>
    private static Results<NoContent, NotFound, ProblemHttpResult> DeleteBlob(string id, BlobStore store)
    {
        if (!ObjectId.TryParse(id, out var objectId))
        {
            return InvalidId(id);
        }
        return store.Delete(objectId) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    /// <summary>
    /// Records a delete made at the <c>Sos-Timestamp</c> it carries (or now): 200 with the
    /// timestamp that decides, <c>deleted</c> or <c>superseded</c> by a later copy. Idempotent.
    /// </summary>
    private static async Task<Results<Ok<TombstoneRecord>, ProblemHttpResult>> WriteTombstone(string id, HttpRequest request, BlobStore store, CancellationToken cancellationToken)
    {
        if (!ObjectId.TryParse(id, out var objectId))
        {
            return InvalidId(id);
        }
        if (!TryReadStamp(request, out var stamp))
        {
            return InvalidStamp();
        }
        var written = await store.WriteTombstoneAsync(objectId, stamp, cancellationToken);
        return written.Status switch
        {
            TombstoneStatus.Deleted => TypedResults.Ok(new TombstoneRecord(id, written.Stamp.Ticks, TombstoneRecord.Deleted, written.Held)),
            TombstoneStatus.Superseded => TypedResults.Ok(new TombstoneRecord(id, written.Stamp.Ticks, TombstoneRecord.Superseded, written.Held)),
            _ => WritesStopped(),
        };
    }

    private static Results<Ok<TombstoneRecord>, NotFound, ProblemHttpResult> ReadTombstone(string id, BlobStore store)
    {
        if (!ObjectId.TryParse(id, out var objectId))
        {
            return InvalidId(id);
        }
        return store.FindTombstone(objectId) is { } stamp ? TypedResults.Ok(new TombstoneRecord(id, stamp.Ticks)) : TypedResults.NotFound();
    }

    /// <summary>The replicator's garbage collection: forgets the tombstone if it is no later than <paramref name="upTo"/>.</summary>
    private static Results<NoContent, NotFound, ProblemHttpResult> RemoveTombstone(string id, string? upTo, BlobStore store)
    {
        if (!ObjectId.TryParse(id, out var objectId))
        {
            return InvalidId(id);
        }
        if (!HybridTimestamp.TryParse(upTo, out var limit))
        {
            return TypedResults.Problem("upTo must be the tombstone's timestamp (decimal UTC ticks).", statusCode: StatusCodes.Status400BadRequest, title: "Invalid timestamp");
        }
        return store.RemoveTombstone(objectId, limit.Value) ? TypedResults.NoContent() : TypedResults.NotFound();
    }

    /// <summary>One page of tombstones, <c>[{"id","timestamp"}]</c> in ascending order of id (1000 by default).</summary>
    private static Results<Ok<IAsyncEnumerable<TombstoneRecord>>, ProblemHttpResult> ListTombstones(string? after, int? limit, BlobStore store)
    {
        if (PageProblem(after, limit, out var start) is { } problem)
        {
            return problem;
        }
        var page = store.ListTombstones(start).Take(limit ?? DefaultPageSize)
            .Select(tombstone => new TombstoneRecord(tombstone.Id.ToString(), tombstone.Stamp.Ticks));
        return TypedResults.Ok(page.ToAsyncEnumerable());
    }

    /// <summary>The start of a page of a listing, or the 400 for an <c>after</c> or <c>limit</c> out of bounds.</summary>
    private static ProblemHttpResult? PageProblem(string? after, int? limit, out ObjectId? start)
    {
        start = null;
        if (after is not null)
        {
            if (!ObjectId.TryParse(after, out var afterId))
            {
                return InvalidId(after);
            }
            start = afterId;
        }
        return limit is < 1 or > MaxPageSize
            ? TypedResults.Problem($"limit must be between 1 and {MaxPageSize}.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid limit")
            : null;
    }

    private static bool TryReadStamp(HttpRequest request, out HybridTimestamp? stamp) =>
        TryReadStamp(request, HybridTimestamp.Header, out stamp);

    /// <summary>A timestamp header; true with null when it is absent, false when it does not parse.</summary>
    private static bool TryReadStamp(HttpRequest request, string name, out HybridTimestamp? stamp)
    {
        stamp = null;
        var header = request.Headers[name];
        return header.Count == 0 || HybridTimestamp.TryParse(header.ToString(), out stamp);
    }

    private static ProblemHttpResult WritesStopped() =>
        TypedResults.Problem(
            "A flush of this blob server's disk failed; it takes no writes until it is restarted.", statusCode: StatusCodes.Status503ServiceUnavailable, title: "Writes stopped");

    private static ProblemHttpResult InvalidStamp(string header = HybridTimestamp.Header) =>
        TypedResults.Problem($"{header} must be a timestamp in decimal UTC ticks.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid timestamp");

    private static Results<Ok<IAsyncEnumerable<string>>, ProblemHttpResult> ListBlobs(string? after, int? limit, BlobStore store)
    {
        if (PageProblem(after, limit, out var start) is { } problem)
        {
            return problem;
        }
        var ids = store.List(start).Select(id => id.ToString());
        // The original contract (no parameters) is every id; the paged form is one page.
        if (after is not null || limit is not null)
        {
            ids = ids.Take(limit ?? DefaultPageSize);
        }
        return TypedResults.Ok(ids.ToAsyncEnumerable());
    }

    private static ProblemHttpResult InvalidId(string id) =>
        TypedResults.Problem($"'{id}' is not an object id: ids are 40 lowercase hex characters.", statusCode: StatusCodes.Status400BadRequest, title: "Invalid id");
}
