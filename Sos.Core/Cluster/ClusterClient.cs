using System.Buffers;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Storage;
using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>
/// The one way Sos talks to its blob servers. Operations are in the store's terms (read an
/// object, count its copies, write copies, verify, list, remove, a server's identity, leases) and
/// answer with domain results;
/// no HTTP type leaves this class. It speaks the original sos blob-server protocol as well as
/// Sos's own: bodies with or without <c>Content-Length</c>, ranges answered whole, listings that
/// ignore paging. What counts as a failed server is decided in <see cref="ServerFailure"/>, and
/// every request is counted and logged here (attempts at Debug, failures at Warning). Every copy
/// written carries a hybrid-clock timestamp, which orders it against deletes (tombstones).
/// </summary>
public sealed partial class ClusterClient(HttpClient http, BlobCluster cluster, ILogger<ClusterClient> logger, HybridClock? clock = null, BatchedRequests? batches = null, VolumeLogs? volumeLogs = null, VolumeInboxes? volumeInboxes = null)
{
    /// <summary>How long a batched presence question may take before its server counts as failed.</summary>
    private static readonly TimeSpan PresenceTimeout = TimeSpan.FromSeconds(10);

    /// <summary>How long a batched write may take before its server counts as failed (each copy's own deadline is usually shorter).</summary>
    private static readonly TimeSpan CopyBatchTimeout = TimeSpan.FromSeconds(30);

    private readonly HybridClock _clock = clock ?? new HybridClock(TimeProvider.System);

    /// <summary>
    /// A whole read of an object up to this size is read and checked against its id before it is
    /// answered, so a bad copy costs a retry on the next server, not the reader's download.
    /// </summary>
    public const int DefaultCheckFirstMaxBytes = 64 * 1024;

    public IReadOnlyList<BlobServer> Servers => cluster.Servers;

    /// <summary>The copies every object must have: the upload's write quorum and the replicator's goal.</summary>
    public int MinCopies => cluster.MinCopies;

    /// <summary>All servers, the object's preferred ones first.</summary>
    public BlobServer[] Rank(ObjectId id) => cluster.Rank(id);

    /// <summary>
    /// The object's headers from the first server that holds it, preferred servers first. When a
    /// server does not give the length in its answer to HEAD (an original one may not), the copy is
    /// read through once to measure it.
    /// </summary>
    public Task<ObjectRead> StatAsync(ObjectId id, CancellationToken cancellationToken) =>
        FirstCopyAsync(id, "stat", server => StatOnAsync(server, id, cancellationToken), cancellationToken);

    /// <summary>
    /// The object, whole (<paramref name="range"/> null) or one range of it, from the first server
    /// that holds a good copy, preferred servers first. A whole object of up to
    /// <paramref name="checkFirstMaxBytes"/> is read and checked before the answer (see
    /// <see cref="ObjectRead.CheckedBytes"/>); a larger one is checked as it streams. A range is
    /// served out of the whole copy when a server ignores the range.
    /// </summary>
    public Task<ObjectRead> ReadAsync(ObjectId id, ByteRange? range, int checkFirstMaxBytes, CancellationToken cancellationToken) =>
        FirstCopyAsync(id, range is null ? "read" : "read-range", server => ReadOnAsync(server, id, range, checkFirstMaxBytes, cancellationToken), cancellationToken);

    /// <summary>
    /// One server's copy, whole, checked as it streams: the source of a repair. Its length is always
    /// known (a copy is written with one): a server that does not send it (an original sos one,
    /// which sends chunked bodies) has its copy read through once to measure it, then read again.
    /// </summary>
    public async Task<ObjectRead> ReadCopyAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        var (answered, read) = await AttemptAsync(server, "read", id, async () =>
        {
            var whole = await ReadOnAsync(server, id, null, 0, cancellationToken);
            if (whole is not { Info.Length: null })
            {
                return whole;
            }
            whole.Dispose();
            var length = await MeasureOnAsync(server, id, cancellationToken);
            return (await ReadOnAsync(server, id, null, 0, cancellationToken))?.WithLength(length);
        }, cancellationToken);
        return (answered ? read ?? ObjectRead.NotFound(ReadStatus.Missing) : ObjectRead.NotFound(ReadStatus.Unavailable)).Counted(1, answered ? 0 : 1);
    }

    /// <summary>
    /// Asks every server at once whether it holds the object, and whether it recorded a delete of
    /// it: from its volume where that can answer (see <see cref="PresenceOnVolume"/>), else in a batch
    /// with the other objects asked about meanwhile where the server answers batched questions, else
    /// by HEAD. A server that fails counts as not holding it, so a doubt means
    /// "write it". A copy no later than a delete recorded on any server is outdated, not held: the
    /// object was deleted after it was written, and that server missed the delete.
    /// </summary>
    public async Task<CopyCount> CountCopiesAsync(ObjectId id, CancellationToken cancellationToken)
    {
        var ranked = Rank(id);
        var answers = new (bool Answered, ServerPresence Presence)[ranked.Length];
        var asked = new List<(int Index, Task<(bool, ServerPresence)> Answer)>();
        // Every change to the volumes finished before this point is seen by the answers below.
        volumeLogs?.Refresh();
        for (var i = 0; i < ranked.Length; i++)
        {
            var server = ranked[i];
            // What a server's volume answers costs no request and nothing to wait for: the usual
            // case where the cluster shares this machine, answered without a task per server.
            if (PresenceOnVolume(server, id) is { } onVolume)
            {
                answers[i] = (true, onVolume);
            }
            else
            {
                asked.Add((i, AttemptAsync(server, "count", id, () => AskPresenceAsync(server, id, cancellationToken), cancellationToken)));
            }
        }
        foreach (var (index, answer) in asked)
        {
            answers[index] = await answer;
        }
        HybridTimestamp? deleted = null;
        foreach (var (answered, presence) in answers)
        {
            if (answered && presence.Deleted is { } stamp && (deleted is null || stamp > deleted))
            {
                deleted = stamp;
            }
        }
        var holders = new List<BlobServer>();
        var outdated = new List<BlobServer>();
        var silent = new List<BlobServer>();
        var unaware = new List<BlobServer>();
        ObjectInfo? first = null;
        for (var i = 0; i < ranked.Length; i++)
        {
            var (answered, presence) = answers[i];
            if (!answered)
            {
                silent.Add(ranked[i]);
                continue;
            }
            if (deleted is not null && presence.Deleted != deleted)
            {
                unaware.Add(ranked[i]);
            }
            if (presence.Copy is { } copy)
            {
                // A copy without a timestamp (an original sos server keeps none) cannot show it is
                // later than the delete, so it is not trusted over it.
                if (deleted is null || copy.Stamp > deleted)
                {
                    holders.Add(ranked[i]);
                    first ??= copy;
                }
                else
                {
                    outdated.Add(ranked[i]);
                }
            }
        }
        if (deleted is { } latest)
        {
            // A write made after this count must order after the delete it saw, whatever the clocks.
            _clock.Observe(latest);
        }
        return new CopyCount(holders, first, silent, outdated, deleted, unaware);
    }

    /// <summary>Whether one server holds a copy (HEAD), and the length it reports.</summary>
    public async Task<CopyPresence> HasCopyAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        var (answered, info) = await AttemptAsync(server, "count", id, () => PresenceOnAsync(server, id, cancellationToken), cancellationToken);
        return !answered ? new CopyPresence(CopyStatus.Unavailable, null)
            : info is null ? new CopyPresence(CopyStatus.Missing, null)
            : new CopyPresence(CopyStatus.Present, info.Length);
    }

    /// <summary>
    /// Writes <paramref name="copies"/> copies to the object's servers in rendezvous order,
    /// leaving out <paramref name="exclude"/> (servers that already hold it), in parallel; a
    /// server that fails or takes longer than <paramref name="copyDeadline"/> hands its copy to
    /// the next (handoff). Each copy reads its own stream from <paramref name="openBody"/>.
    /// Copies are not retried: a streamed body cannot be replayed, the next server takes it.
    /// </summary>
    public Task<FanOutResult> WriteCopiesAsync(
        ObjectId id, long length, Func<Stream> openBody, IReadOnlyDictionary<string, string> metadata,
        int copies, IReadOnlyCollection<BlobServer> exclude, TimeSpan copyDeadline, CancellationToken cancellationToken)
    {
        // One write, one timestamp: every copy of it orders the same against a delete.
        var stamp = _clock.Now();
        var small = batches is not null && length <= CopyBatch.MaxCopyBytes ? ReadSmall(openBody, (int)length) : null;
        return FanOutCopiesAsync(id, copies, exclude, copyDeadline, async (server, deadline, token) =>
        {
            var (written, failure) = await AttemptAsync(server, "write", id, async () =>
            {
                if (small is not null && volumeInboxes?.IsOpen(server) == true)
                {
                    // The write's span, as an HTTP copy has its request's: the server traces its adoption under it.
                    using var write = ClusterTelemetry.Source.StartActivity("sos.blob.inbox.write", ActivityKind.Producer);
                    write?.SetTag("sos.blob.server", server.Name);
                    var local = new InboxAppend(server, new InboxCopy(id, small, metadata, stamp, Activity.Current?.Id));
                    if (await volumeInboxes.AppendAsync(local, deadline) is { } failed)
                    {
                        throw new IOException($"Its inbox did not take the copy: {failed}");
                    }
                    return (string?)null;
                }
                if (small is not null && !batches!.Unbatched(CopyBatch.Route, server.Name))
                {
                    var queued = new QueuedCopy(id, small, metadata, stamp, Activity.Current?.Id);
                    if (await batches.Copies(server.Name).AskAsync(queued, many => StoreManyOnAsync(server, many), deadline) is { } refused)
                    {
                        throw new BlobServerException(server, HttpStatusCode.OK, $"it did not store its copy in the batch: {refused}");
                    }
                    return (string?)null;
                }
                await using var body = openBody();
                await StoreOnAsync(server, id, body, length, metadata, stamp, deadline);
                return (string?)null;
            }, token, describe: true);
            if (!written)
            {
                throw new CopyNotWrittenException(failure ?? "failed");
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Starts one copy on each of <paramref name="servers"/> that streams while the body arrives
    /// (written to <see cref="StreamedCopies.Body"/>), all with one timestamp; each must end within
    /// <paramref name="copyDeadline"/>. The caller completes them, and hands off the copies that
    /// failed from one that was written (<see cref="CopyFromAsync"/>).
    /// </summary>
    public StreamedCopies StartStreamedCopies(
        ObjectId id, long length, IReadOnlyDictionary<string, string> metadata, IEnumerable<BlobServer> servers, TimeSpan copyDeadline, CancellationToken cancellationToken)
    {
        var stamp = _clock.Now();
        return new StreamedCopies(servers, async (server, body) =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(copyDeadline);
            return await WriteCopyAsync(server, id, body, length, metadata, deadline.Token, stamp);
        });
    }

    /// <summary>
    /// Writes <paramref name="copies"/> more copies of an object that <paramref name="source"/>
    /// holds durably, each read anew from it, to the object's servers in rendezvous order leaving out
    /// <paramref name="exclude"/>, with handoff as <see cref="WriteCopiesAsync"/> does: the copies an
    /// upload could not write while its body arrived, once the body is gone. Each keeps the source
    /// copy's timestamp and metadata, so that it is the same write.
    /// </summary>
    public Task<FanOutResult> CopyFromAsync(
        BlobServer source, ObjectId id, int copies, IReadOnlyCollection<BlobServer> exclude, TimeSpan copyDeadline, CancellationToken cancellationToken)
    {
        return FanOutCopiesAsync(id, copies, exclude, copyDeadline, async (server, deadline, _) =>
        {
            var transfer = await CopyBetweenAsync(source, server, id, deadline);
            if (transfer.Write is not { Written: true })
            {
                throw new CopyNotWrittenException(transfer.Write is null
                    ? $"its source, {source.Name}, could not be read ({transfer.Source})"
                    : transfer.Write.Failure ?? "failed");
            }
        }, cancellationToken);
    }

    /// <summary>
    /// Writes <paramref name="copies"/> copies with <paramref name="writeCopy"/> over the object's
    /// servers in rendezvous order, leaving out <paramref name="exclude"/>, with handoff
    /// (<see cref="ReplicaFanOut"/>). Each write is given a token that ends at
    /// <paramref name="copyDeadline"/> and the fan-out's own token, which ends only with the caller.
    /// </summary>
    private Task<FanOutResult> FanOutCopiesAsync(
        ObjectId id, int copies, IReadOnlyCollection<BlobServer> exclude, TimeSpan copyDeadline,
        Func<BlobServer, CancellationToken, CancellationToken, Task> writeCopy, CancellationToken cancellationToken)
    {
        var candidates = Rank(id).Where(server => !exclude.Contains(server)).ToArray();
        return ReplicaFanOut.WriteAsync(candidates, copies, async (server, token) =>
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(token);
            deadline.CancelAfter(copyDeadline);
            await writeCopy(server, deadline.Token, token);
        }, cancellationToken);
    }

    /// <summary>
    /// Copies <paramref name="source"/>'s copy of an object to <paramref name="target"/>: read
    /// whole, checked as it streams (the target also refuses bytes that do not hash to the id, so a
    /// damaged copy cannot spread), and written with the source copy's timestamp and metadata, so
    /// that it is the same write: a server that holds a later delete refuses it, and a deleted
    /// object is never restored. A copy of an object uploaded again after a delete carries that
    /// delete, which the target records first: a copy from before the delete that it still holds
    /// (it missed the delete) goes to its trash instead of lending this copy its old metadata.
    /// </summary>
    public async Task<CopyTransfer> CopyBetweenAsync(BlobServer source, BlobServer target, ObjectId id, CancellationToken cancellationToken)
    {
        using var read = await ReadCopyAsync(source, id, cancellationToken);
        if (read.Status != ReadStatus.Found)
        {
            return new CopyTransfer(read.Status, 0, null);
        }
        var length = read.Info!.Length!.Value;
        var write = await WriteCopyAsync(target, id, read.Body!, length, read.Info.Metadata, cancellationToken, read.Info.Stamp, read.Info.Deleted);
        return new CopyTransfer(ReadStatus.Found, length, write);
    }

    /// <summary>
    /// Writes one copy to one server; <see cref="CopyWrite.Written"/> only once the server has made
    /// it durable. A copy of a copy passes the source's <paramref name="stamp"/>, so that it is no
    /// newer than the write it copies (a server that holds a later delete refuses it); null stamps it now.
    /// <paramref name="deleted"/> is a delete the write follows, for the server to record first.
    /// </summary>
    public async Task<CopyWrite> WriteCopyAsync(BlobServer server, ObjectId id, Stream body, long length, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken,
        HybridTimestamp? stamp = null, HybridTimestamp? deleted = null)
    {
        var written = stamp ?? _clock.Now();
        var (stored, failure) = await AttemptAsync(server, "write", id, async () =>
        {
            await StoreOnAsync(server, id, body, length, metadata, written, cancellationToken, deleted);
            return (string?)null;
        }, cancellationToken, describe: true);
        return new CopyWrite(stored, stored ? null : failure);
    }

    /// <summary>Asks a holder to re-hash its copy (<c>POST /blob/{id}/verify</c>); a bad copy is quarantined by the server.</summary>
    public async Task<CopyVerification> VerifyCopyAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        var (answered, verdict) = await AttemptAsync(server, "verify", id, async () =>
        {
            using var response = await http.PostAsync(new Uri(server.BaseAddress, $"blob/{id}/verify"), content: null, cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotFound:
                    return new CopyVerification(VerifyStatus.Missing, null);
                case HttpStatusCode.Conflict:
                    LogBadCopy(logger, id, server.Name);
                    return new CopyVerification(VerifyStatus.Bad, null);
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            var reply = await response.Content.ReadFromJsonAsync<StoredObject>(cancellationToken);
            if (reply is null || reply.Id != id.ToString())
            {
                throw new BlobServerException(server, response.StatusCode, "a verification of other bytes");
            }
            return new CopyVerification(VerifyStatus.Good, reply.Size);
        }, cancellationToken);
        return answered ? verdict! : new CopyVerification(VerifyStatus.Unavailable, null);
    }

    /// <summary>
    /// The server's stable identity (32 lowercase hex characters, <c>GET /identity</c>), so that one
    /// server reached under two names counts once. A server without <c>/identity</c> (404: an
    /// original sos blob server) answered, with no identity; one that failed did not answer.
    /// </summary>
    public async Task<IdentityAnswer> ReadIdentityAsync(BlobServer server, CancellationToken cancellationToken)
    {
        var (answered, identity) = await AttemptAsync(server, "identity", null, async () =>
        {
            using var response = await http.GetAsync(new Uri(server.BaseAddress, "identity"), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return null;
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            var reply = await response.Content.ReadFromJsonAsync<ServerIdentity>(cancellationToken);
            if (reply?.Id is not { Length: 32 } id || !id.All(char.IsAsciiHexDigitLower))
            {
                throw new BlobServerException(server, response.StatusCode, "an identity that is not 32 lowercase hex characters");
            }
            return id;
        }, cancellationToken);
        return new IdentityAnswer(answered, identity);
    }

    /// <summary>
    /// Takes or renews the lease <paramref name="name"/> on one server for <paramref name="duration"/>
    /// (<c>PUT /leases/{name}</c>, whole seconds, rounded up). It needs the credential that may remove copies.
    /// </summary>
    public async Task<LeaseStatus> HoldLeaseAsync(BlobServer server, string name, string holder, TimeSpan duration, CancellationToken cancellationToken)
    {
        var (answered, status) = await AttemptAsync(server, "lease", null, async () =>
        {
            var request = new LeaseRequest(holder, (int)Math.Ceiling(duration.TotalSeconds));
            using var response = await http.PutAsJsonAsync(LeaseUri(server, name), request, cancellationToken);
            if (response.StatusCode == HttpStatusCode.Conflict)
            {
                return LeaseStatus.HeldByAnother;
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            return LeaseStatus.Held;
        }, cancellationToken);
        return answered ? status : LeaseStatus.Unavailable;
    }

    /// <summary>
    /// Gives a lease back (<c>DELETE /leases/{name}?holder=</c>), so that the next holder need not
    /// wait for it to expire. Held by another holder means it expired and was taken meanwhile:
    /// nothing of this holder's is left to give back.
    /// </summary>
    public async Task<LeaseStatus> ReleaseLeaseAsync(BlobServer server, string name, string holder, CancellationToken cancellationToken)
    {
        var (answered, status) = await AttemptAsync(server, "release", null, async () =>
        {
            using var response = await http.DeleteAsync(new Uri(LeaseUri(server, name) + "?holder=" + Uri.EscapeDataString(holder)), cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.Conflict:
                    return LeaseStatus.HeldByAnother;
                case HttpStatusCode.NotFound:
                    return LeaseStatus.Released;
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            return LeaseStatus.Released;
        }, cancellationToken);
        return answered ? status : LeaseStatus.Unavailable;
    }

    /// <summary>
    /// One page of a server's ids after <paramref name="after"/>, ascending; null when the server
    /// could not list. Transient failures are retried by the blob-server resilience pipeline
    /// (listing requests get its longer waits), never by the caller.
    /// </summary>
    public async Task<ListingPage?> ListPageAsync(BlobServer server, ObjectId? after, int limit, CancellationToken cancellationToken)
    {
        var (_, page) = await AttemptAsync(server, "list", null, async () =>
        {
            var uri = new Uri(server.BaseAddress, after is null ? $"blobs?limit={limit}" : $"blobs?after={after}&limit={limit}");
            using var response = await http.GetAsync(uri, cancellationToken);
            await EnsureSuccessAsync(server, response, cancellationToken);
            var entries = await response.Content.ReadFromJsonAsync<string[]>(cancellationToken) ?? [];
            var ids = new SortedSet<ObjectId>();
            foreach (var entry in entries)
            {
                // The original blob-server ignores after and limit: whatever is not after the asked id is dropped here.
                if (ObjectId.TryParse(entry, out var id) && (after is not { } from || id.CompareTo(from) > 0))
                {
                    ids.Add(id);
                }
            }
            return new ListingPage([.. ids], IsLast: entries.Length < limit || entries.Length > limit);
        }, cancellationToken);
        return page;
    }

    /// <summary>Removes a server's copy (<c>DELETE /blob/{id}</c>; the server keeps it in its trash for a while).</summary>
    public async Task<CopyRemoval> RemoveCopyAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        var (answered, removal) = await AttemptAsync(server, "remove", id, async () =>
        {
            using var response = await http.DeleteAsync(BlobUri(server, id), cancellationToken);
            switch (response.StatusCode)
            {
                case HttpStatusCode.NotFound:
                    return CopyRemoval.Missing;
                case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden:
                    LogRemovalRefused(logger, id, server.Name, (int)response.StatusCode);
                    return CopyRemoval.Refused;
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            return CopyRemoval.Removed;
        }, cancellationToken);
        return answered ? removal : CopyRemoval.Unavailable;
    }

    /// <summary>
    /// Tries the object's servers in rendezvous order until one answers with a copy, passing over
    /// copies older than a delete that an earlier server recorded.
    /// </summary>
    private async Task<ObjectRead> FirstCopyAsync(ObjectId id, string operation, Func<BlobServer, Task<ObjectRead?>> readOn, CancellationToken cancellationToken)
    {
        int requests = 0, failures = 0;
        HybridTimestamp? deleted = null;
        foreach (var server in Rank(id))
        {
            requests++;
            var (answered, read) = await AttemptAsync(server, operation, id, () => readOn(server), cancellationToken);
            if (!answered)
            {
                failures++;
            }
            else if (read?.DeletedAt is { } stamp)
            {
                deleted = deleted is { } seen ? HybridTimestamp.Max(seen, stamp) : stamp;
            }
            else if (read is not null && deleted is { } latest && !(read.Info?.Stamp > latest))
            {
                // A copy written before a delete an earlier server recorded: a leftover on a server
                // the delete missed, which the replicator's next pass removes. It is not served.
                read.Dispose();
            }
            else if (read is not null)
            {
                Activity.Current?.SetTag("sos.blob.server", server.Name);
                return read.Counted(requests, failures);
            }
        }
        return ObjectRead.NotFound(failures > 0 ? ReadStatus.Unavailable : ReadStatus.Missing).Counted(requests, failures);
    }

    /// <summary>
    /// One request (or exchange) with one server, counted and logged; a server failure is logged
    /// and answered as (false, default). The description of a failure is returned with
    /// <paramref name="describe"/> (as the value, which must then be a string).
    /// </summary>
    private async Task<(bool Answered, T? Value)> AttemptAsync<T>(BlobServer server, string operation, ObjectId? id, Func<Task<T>> attempt, CancellationToken cancellationToken, bool describe = false)
    {
        var tag = new KeyValuePair<string, object?>("sos.cluster.operation", operation);
        ClusterTelemetry.Requests.Add(1, tag);
        LogAttempt(logger, operation, id, server.Name);
        try
        {
            return (true, await attempt());
        }
        catch (Exception ex) when (ServerFailure.Is(ex, cancellationToken))
        {
            ClusterTelemetry.Failures.Add(1, tag);
            var reason = ServerFailure.Describe(ex);
            LogFailed(logger, operation, id, server.Name, reason);
            Activity.Current?.AddEvent(new ActivityEvent("sos.blob.failure", tags: new ActivityTagsCollection
            {
                ["sos.blob.server"] = server.Name,
                ["sos.cluster.operation"] = operation,
                ["exception.message"] = reason,
            }));
            return (false, describe ? (T)(object)reason : default);
        }
    }

    private async Task<ObjectRead?> StatOnAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        var (info, deleted) = await AnswerOnAsync(server, id, cancellationToken);
        if (info is null)
        {
            return deleted is { } stamp ? ObjectRead.Deleted(stamp) : null;
        }
        if (info.Length is null)
        {
            // The server's HEAD did not say how long the copy is: read it through once, checking it.
            info = info with { Length = await MeasureOnAsync(server, id, cancellationToken) };
        }
        return ObjectRead.Whole(server, info, body: null, owner: null);
    }

    private Task<ServerPresence> AskPresenceAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken) =>
        batches is null || batches.Unbatched(PresenceAnswer.Route, server.Name)
            ? AnswerOnAsync(server, id, cancellationToken)
            : batches.Presence(server.Name).AskAsync(id, ids => PresenceOfManyOnAsync(server, ids), cancellationToken);

    /// <summary>
    /// One batched presence question (<c>POST /blobs/presence</c>): the held copies' headers and
    /// the tombstones, in the order of <paramref name="ids"/>. A server without the route (an
    /// original sos blob server, an older Sos one) is asked by HEAD, now and from then on.
    /// </summary>
    private async Task<IReadOnlyList<ServerPresence>> PresenceOfManyOnAsync(BlobServer server, IReadOnlyList<ObjectId> ids)
    {
        using var timeout = new CancellationTokenSource(PresenceTimeout);
        // Uploads of one body at once ask about one id in one batch: it is named once.
        var distinct = ids.Distinct().Select(id => id.ToString()).ToArray();
        // Sent with its length, not chunked: a chunked body costs the blob server a slower parse.
        using var question = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(distinct));
        question.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var response = await http.PostAsync(new Uri(server.BaseAddress, PresenceAnswer.Route), question, timeout.Token);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            batches!.MarkUnbatched(PresenceAnswer.Route, server.Name);
            return await Task.WhenAll(ids.Select(id => AnswerOnAsync(server, id, timeout.Token)));
        }
        await EnsureSuccessAsync(server, response, timeout.Token);
        var answer = await response.Content.ReadFromJsonAsync<PresenceAnswer>(timeout.Token);
        var held = new Dictionary<string, HeldCopy>(StringComparer.Ordinal);
        foreach (var copy in answer?.Copies ?? [])
        {
            if (copy?.Id is null || copy.Size < 0 || !held.TryAdd(copy.Id, copy))
            {
                throw new BlobServerException(server, response.StatusCode, "a presence answer with a malformed or repeated copy");
            }
        }
        var deleted = new Dictionary<string, HybridTimestamp>(StringComparer.Ordinal);
        foreach (var tombstone in answer?.Tombstones ?? [])
        {
            if (tombstone?.Id is null || tombstone.Timestamp < 0 || !deleted.TryAdd(tombstone.Id, new HybridTimestamp(tombstone.Timestamp)))
            {
                throw new BlobServerException(server, response.StatusCode, "a presence answer with a malformed or repeated tombstone");
            }
        }
        return [.. ids.Select(id =>
        {
            var text = id.ToString();
            return new ServerPresence(
                held.TryGetValue(text, out var copy) ? InfoOf(copy) : null,
                deleted.TryGetValue(text, out var stamp) ? stamp : null);
        })];
    }

    /// <summary>A held copy as its HEAD would describe it: only <c>X-</c> metadata is taken, as from headers.</summary>
    private static ObjectInfo InfoOf(HeldCopy copy) =>
        new(copy.Size, copy.LastModified, ObjectMetadata.FromStored(copy.Metadata), HybridTimestamp.TryParse(copy.Stamp, out var stamp) ? stamp : null);

    /// <summary>The copy's headers (HEAD), or null when the server has none.</summary>
    private async Task<ObjectInfo?> PresenceOnAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken) =>
        (await AnswerOnAsync(server, id, cancellationToken)).Copy;

    /// <summary>The copy's headers (HEAD); for a <c>404</c>, the timestamp of the delete the server recorded, if it says.</summary>
    private async Task<ServerPresence> AnswerOnAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, BlobUri(server, id));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return new ServerPresence(null, DeletedOf(response));
        }
        await EnsureSuccessAsync(server, response, cancellationToken);
        var info = InfoOf(response);
        return new ServerPresence(info, info.Deleted);
    }

    /// <summary>The delete an answer names (<see cref="TombstoneRecord.Header"/>); a value that does not parse names none.</summary>
    private static HybridTimestamp? DeletedOf(HttpResponseMessage response) =>
        response.Headers.TryGetValues(TombstoneRecord.Header, out var values) && HybridTimestamp.TryParse(values.FirstOrDefault(), out var stamp) ? stamp : null;

    /// <summary>The length of a copy whose server does not announce it, by reading it through (checked against its id).</summary>
    private async Task<long> MeasureOnAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        using var response = await GetAsync(server, id, range: null, cancellationToken);
        await EnsureSuccessAsync(server, response, cancellationToken);
        await using var verifying = new VerifyingReadStream(await response.Content.ReadAsStreamAsync(cancellationToken), id, response.Content.Headers.ContentLength);
        await verifying.CopyToAsync(Stream.Null, cancellationToken);
        return verifying.Position;
    }

    private async Task<ObjectRead?> ReadOnAsync(BlobServer server, ObjectId id, ByteRange? range, int checkFirstMaxBytes, CancellationToken cancellationToken)
    {
        if (server.Volume is { } volume && await ReadFromVolumeAsync(server, volume, id, range, checkFirstMaxBytes, cancellationToken) is { } local)
        {
            return local;
        }
        var response = await GetAsync(server, id, range, cancellationToken);
        try
        {
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                var deleted = DeletedOf(response);
                response.Dispose();
                return deleted is { } stamp ? ObjectRead.Deleted(stamp) : null;
            }
            if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            {
                var unsatisfiable = InfoOf(response) with { Length = response.Content.Headers.ContentRange?.Length };
                response.Dispose();
                return ObjectRead.Unsatisfiable(server, unsatisfiable);
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            var info = InfoOf(response);
            if (range is { } asked)
            {
                return await ReadRangeAsync(server, id, asked, response, info, cancellationToken);
            }
            var network = await response.Content.ReadAsStreamAsync(cancellationToken);
            if (info.Length is { } known && known > checkFirstMaxBytes)
            {
                // A Sos blob server checks the copy as it sends it and cuts it short when it is
                // wrong (and the short body fails this read): hashing it again here would double
                // the cost of passing on a large object.
                var body = response.Headers.Contains(VerifiedStreamHeader.Name) ? network : new VerifyingReadStream(network, id, known);
                return ObjectRead.Whole(server, info, body, response);
            }
            return await ReadCheckedAsync(server, id, info, network, checkFirstMaxBytes, response, cancellationToken);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>
    /// A range: passed on as the server sent it (206), or cut out of the whole copy when the server
    /// ignored the Range header (200), measuring the copy first when its length was not given.
    /// </summary>
    private async Task<ObjectRead> ReadRangeAsync(BlobServer server, ObjectId id, ByteRange asked, HttpResponseMessage response, ObjectInfo info, CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.PartialContent)
        {
            if (response.Content.Headers.ContentRange is not { From: { } from, To: { } to, Length: { } total })
            {
                throw new BlobServerException(server, response.StatusCode, "a partial answer without a complete Content-Range");
            }
            var part = new ObjectPart(from, to - from + 1, total);
            var partBody = new SliceStream(await response.Content.ReadAsStreamAsync(cancellationToken), 0, part.Count);
            return ObjectRead.Partial(server, info with { Length = total }, part, partBody, response);
        }
        if (info.Length is null)
        {
            response.Dispose();
            info = info with { Length = await MeasureOnAsync(server, id, cancellationToken) };
            response = await GetAsync(server, id, range: null, cancellationToken);
            try
            {
                await EnsureSuccessAsync(server, response, cancellationToken);
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
        if (asked.Within(info.Length!.Value) is not { } wanted)
        {
            response.Dispose();
            return ObjectRead.Unsatisfiable(server, info);
        }
        var body = new SliceStream(await response.Content.ReadAsStreamAsync(cancellationToken), wanted.Offset, wanted.Count);
        return ObjectRead.Partial(server, info, wanted, body, response);
    }

    /// <summary>
    /// Reads a small copy (or one whose length was not given) whole and checks it before anything
    /// is answered. A chunked body that turns out larger than <paramref name="maxBytes"/> goes on as
    /// a stream (what was read ahead, then the rest), checked when it ends.
    /// </summary>
    private static async Task<ObjectRead> ReadCheckedAsync(BlobServer server, ObjectId id, ObjectInfo info, Stream network, int maxBytes, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        // A chunked body needs room for the probe byte that tells it is larger than what is read ahead.
        var capacity = info.Length is { } length ? (int)length : Math.Max(maxBytes - 1, 0);
        var buffer = ArrayPool<byte>.Shared.Rent(info.Length is null ? capacity + 1 : Math.Max(capacity, 1));
        var verifying = new VerifyingReadStream(network, id, info.Length);
        try
        {
            var total = 0;
            int read;
            while (total < capacity && (read = await verifying.ReadAsync(buffer.AsMemory(total, capacity - total), cancellationToken)) > 0)
            {
                total += read;
            }
            // One more read checks an empty or chunked object's hash, and that nothing follows.
            var probe = new byte[1];
            if (await verifying.ReadAsync(probe, cancellationToken) == 0)
            {
                response.Dispose();
                return ObjectRead.Checked(server, info with { Length = total }, new PooledBytesStream(buffer, total, rest: null));
            }
            // Only a chunked body gets here (a longer one with a length fails the probe): it goes on streaming.
            buffer[total] = probe[0];
            return ObjectRead.Whole(server, info, new PooledBytesStream(buffer, total + 1, verifying), response);
        }
        catch
        {
            await verifying.DisposeAsync();
            ArrayPool<byte>.Shared.Return(buffer);
            throw;
        }
    }

    private async Task StoreOnAsync(BlobServer server, ObjectId id, Stream body, long length, IReadOnlyDictionary<string, string> metadata, HybridTimestamp stamp, CancellationToken cancellationToken,
        HybridTimestamp? deleted = null)
    {
        using var content = new StreamContent(body);
        content.Headers.ContentLength = length;
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var request = new HttpRequestMessage(HttpMethod.Post, BlobUri(server, id)) { Content = content };
        request.Headers.TryAddWithoutValidation(HybridTimestamp.Header, stamp.ToString());
        if (deleted is { } delete)
        {
            request.Headers.TryAddWithoutValidation(TombstoneRecord.Header, delete.ToString());
        }
        foreach (var (name, value) in metadata)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(server, response, cancellationToken);
        // A Sos blob server answers {"id","size","status"}: one naming other bytes is a failure. Any
        // other success answer is taken as the acknowledgement it is.
        StoredObject? stored = null;
        try
        {
            stored = await response.Content.ReadFromJsonAsync<StoredObject>(cancellationToken);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException)
        {
        }
        if (stored is { Id: { } storedId } && (storedId != id.ToString() || stored.Size != length))
        {
            throw new BlobServerException(server, response.StatusCode, $"it acknowledged {storedId} of {stored.Size} bytes");
        }
    }

    /// <summary>A small body, read once for all its copies (batched copies carry bytes, not streams).</summary>
    private static byte[] ReadSmall(Func<Stream> openBody, int length)
    {
        using var body = openBody();
        var bytes = new byte[length];
        body.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// One batched write of small copies (<c>POST /blobs/batch</c>, see <see cref="CopyBatch"/>):
    /// null for each copy the server made durable, or why it did not. A server without the route
    /// (an original sos blob server, an older Sos one) is written one copy per request, now and
    /// from then on.
    /// </summary>
    private async Task<IReadOnlyList<string?>> StoreManyOnAsync(BlobServer server, IReadOnlyList<QueuedCopy> copies)
    {
        using var timeout = new CancellationTokenSource(CopyBatchTimeout);
        using var batch = new MultipartContent("mixed");
        foreach (var copy in copies)
        {
            var part = new ReadOnlyMemoryContent(copy.Bytes);
            part.Headers.ContentLength = copy.Bytes.Length;
            part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            part.Headers.TryAddWithoutValidation(CopyBatch.IdHeader, copy.Id.ToString());
            part.Headers.TryAddWithoutValidation(HybridTimestamp.Header, copy.Stamp.ToString());
            if (copy.TraceParent is { } traceParent)
            {
                part.Headers.TryAddWithoutValidation(CopyBatch.TraceParentHeader, traceParent);
            }
            foreach (var (name, value) in copy.Metadata)
            {
                part.Headers.TryAddWithoutValidation(name, value);
            }
            batch.Add(part);
        }
        // Sent from one buffer: streamed, each part's headers and bytes went out as writes of their
        // own, two system calls per copy on each side of the connection.
        await batch.LoadIntoBufferAsync(timeout.Token);
        using var response = await http.PostAsync(new Uri(server.BaseAddress, CopyBatch.Route), batch, timeout.Token);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            batches!.MarkUnbatched(CopyBatch.Route, server.Name);
            return await Task.WhenAll(copies.Select(async copy =>
            {
                try
                {
                    using var body = new MemoryStream(copy.Bytes, writable: false);
                    await StoreOnAsync(server, copy.Id, body, copy.Bytes.Length, copy.Metadata, copy.Stamp, timeout.Token);
                    return null;
                }
                catch (Exception ex) when (ServerFailure.Is(ex, CancellationToken.None))
                {
                    return ServerFailure.Describe(ex);
                }
            }));
        }
        await EnsureSuccessAsync(server, response, timeout.Token);
        var answers = await response.Content.ReadFromJsonAsync<StoredObject[]>(timeout.Token);
        if (answers is null || answers.Length != copies.Count)
        {
            throw new BlobServerException(server, response.StatusCode, "a batch answer with the wrong number of copies");
        }
        return [.. copies.Select((copy, i) => answers[i] switch
        {
            { Status: CopyBatch.Stored } stored when stored.Id == copy.Id.ToString() && stored.Size == copy.Bytes.Length => null,
            { Status: CopyBatch.Stored } stored => $"it acknowledged {stored.Id} of {stored.Size} bytes",
            var refused => refused?.Status ?? "no answer",
        })];
    }

    private Task<HttpResponseMessage> GetAsync(BlobServer server, ObjectId id, ByteRange? range, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, BlobUri(server, id));
        if (range is { } asked)
        {
            request.Headers.Range = new RangeHeaderValue(asked.From, asked.To);
        }
        return http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    private static ObjectInfo InfoOf(HttpResponseMessage response)
    {
        var headers = response.Headers.Concat(response.Content.Headers)
            .Select(header => KeyValuePair.Create(header.Key, new Microsoft.Extensions.Primitives.StringValues([.. header.Value])));
        // A 206's Content-Length is the range's; the object's length is in its Content-Range.
        var length = response.StatusCode == HttpStatusCode.PartialContent ? null : response.Content.Headers.ContentLength;
        var stamp = response.Headers.TryGetValues(HybridTimestamp.Header, out var values) && HybridTimestamp.TryParse(values.FirstOrDefault(), out var written) ? written : null;
        return new ObjectInfo(length, response.Content.Headers.LastModified, ObjectMetadata.FromHeaders(headers), stamp, DeletedOf(response));
    }

    private static Uri BlobUri(BlobServer server, ObjectId id) => new(server.BaseAddress, $"blob/{id}");

    private static Uri LeaseUri(BlobServer server, string name) => new(server.BaseAddress, "leases/" + Uri.EscapeDataString(name));

    /// <summary>Throws for an answer other than success; its text goes to logs only.</summary>
    private static async Task EnsureSuccessAsync(BlobServer server, HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new BlobServerException(server, response.StatusCode, detail.Length > 500 ? detail[..500] : detail);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Blob server {Server}: {Operation} {ObjectId}")]
    private static partial void LogAttempt(ILogger logger, string operation, ObjectId? objectId, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob server {Server} failed to {Operation} {ObjectId}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string operation, ObjectId? objectId, string server, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob server {Server} found its copy of {ObjectId} bad and quarantined it")]
    private static partial void LogBadCopy(ILogger logger, ObjectId objectId, string server);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Blob server {Server} refused to remove its copy of {ObjectId} ({Status}): this credential may not remove copies")]
    private static partial void LogRemovalRefused(ILogger logger, ObjectId objectId, string server, int status);
}
