using System.Net;
using System.Net.Http.Json;
using Sos.Core.BlobServers;
using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Time;

namespace Sos.Core.Cluster;

/// <summary>
/// Deletes: a delete is a tombstone (the id and the delete's timestamp) written to the object's
/// servers like a copy, with the same quorum and handoff; blob servers then refuse older copies
/// and answer 404. The replicator lists tombstones, spreads them and, in the end, forgets them.
/// </summary>
public sealed partial class ClusterClient
{
    /// <summary>
    /// Asks every server at once whether it holds a copy or a tombstone of the object. Used to
    /// tell an id never stored (404) from one deleted already (idempotent 200).
    /// </summary>
    public async Task<ObjectTraces> FindTracesAsync(ObjectId id, CancellationToken cancellationToken)
    {
        var ranked = Rank(id);
        var answers = await Task.WhenAll(ranked.Select(server =>
            AttemptAsync(server, "lookup", id, async () =>
                await PresenceOnAsync(server, id, cancellationToken) is not null
                || await TombstoneOnAsync(server, id, cancellationToken) is not null, cancellationToken)));
        var holders = new List<BlobServer>();
        var unavailable = 0;
        for (var i = 0; i < ranked.Length; i++)
        {
            if (!answers[i].Answered)
            {
                unavailable++;
            }
            else if (answers[i].Value)
            {
                holders.Add(ranked[i]);
            }
        }
        return new ObjectTraces(holders, unavailable);
    }

    /// <summary>
    /// Writes a tombstone stamped now to <paramref name="holders"/> and the object's preferred
    /// servers, in parallel, at least <see cref="MinCopies"/> of them; a server that fails hands
    /// its tombstone to the next in rendezvous order, as a copy would be.
    /// </summary>
    public async Task<TombstoneFanOut> WriteTombstonesAsync(ObjectId id, IReadOnlyCollection<BlobServer> holders, CancellationToken cancellationToken)
    {
        var stamp = _clock.Now();
        var candidates = holders.Concat(Rank(id).Where(server => !holders.Contains(server))).ToArray();
        var held = 0;
        var written = await ReplicaFanOut.WriteAsync(candidates, Math.Max(MinCopies, holders.Count), async (server, token) =>
        {
            var (answered, reply) = await AttemptAsync(server, "delete", id, () => PutTombstoneOnAsync(server, id, stamp, token), token);
            if (!answered || reply is null)
            {
                throw new CopyNotWrittenException("failed");
            }
            if (reply.Held == true)
            {
                Interlocked.Increment(ref held);
            }
        }, cancellationToken);
        return new TombstoneFanOut(written, stamp, held > 0);
    }

    /// <summary>
    /// Writes a tombstone with a known timestamp to one server (the replicator spreading a delete);
    /// the server moves any older copy to its trash. Null when the server could not take it.
    /// </summary>
    public async Task<TombstoneRecord?> WriteTombstoneAsync(BlobServer server, ObjectId id, HybridTimestamp stamp, CancellationToken cancellationToken)
    {
        var (_, reply) = await AttemptAsync(server, "delete", id, () => PutTombstoneOnAsync(server, id, stamp, cancellationToken), cancellationToken);
        return reply;
    }

    /// <summary>
    /// Before a write of an object deleted earlier: brings the latest delete of
    /// <paramref name="count"/> to every server that answered without it, in parallel. A leftover
    /// copy goes to its server's trash, so a write made now lands there fresh instead of finding
    /// the old copy (and its metadata) kept, as a second write of a held copy would. A server that
    /// answered "none" may hold one all the same, out of its answers' sight (in an inbox it could
    /// not adopt, or back from a removal its restart undid), so it is brought the delete too.
    /// Answers the servers the write must leave out: those that could not take the delete, and
    /// those that did not answer the count; either may keep a copy from before the delete, and a
    /// copy written to them would not be this write's.
    /// </summary>
    public async Task<IReadOnlyList<BlobServer>> BringDeleteAsync(ObjectId id, CopyCount count, CancellationToken cancellationToken)
    {
        if (count.Deleted is not { } deleted)
        {
            return [];
        }
        var replies = await Task.WhenAll(count.Unaware.Select(server => WriteTombstoneAsync(server, id, deleted, cancellationToken)));
        return [.. count.Unaware.Where((_, i) => replies[i] is null), .. count.Silent];
    }

    /// <summary>One page of a server's tombstones after <paramref name="after"/>, ascending by id; null when it could not list them.</summary>
    public async Task<TombstonePage?> ListTombstonesPageAsync(BlobServer server, ObjectId? after, int limit, CancellationToken cancellationToken)
    {
        var (_, page) = await AttemptAsync(server, "list-tombstones", null, async () =>
        {
            var uri = new Uri(server.BaseAddress, after is null ? $"tombstones?limit={limit}" : $"tombstones?after={after}&limit={limit}");
            using var response = await http.GetAsync(uri, cancellationToken);
            if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
            {
                // An original sos blob-server keeps no tombstones.
                return new TombstonePage([], IsLast: true);
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            var entries = await response.Content.ReadFromJsonAsync<TombstoneRecord[]>(cancellationToken) ?? [];
            var tombstones = new List<(ObjectId, HybridTimestamp)>(entries.Length);
            foreach (var entry in entries)
            {
                if (ObjectId.TryParse(entry.Id, out var id))
                {
                    tombstones.Add((id, new HybridTimestamp(entry.Timestamp)));
                }
            }
            return new TombstonePage(tombstones, IsLast: entries.Length < limit);
        }, cancellationToken);
        return page;
    }

    /// <summary>Forgets a server's tombstone if it is no later than <paramref name="stamp"/> (garbage collection). False when it could not.</summary>
    public async Task<bool> RemoveTombstoneAsync(BlobServer server, ObjectId id, HybridTimestamp stamp, CancellationToken cancellationToken)
    {
        var (answered, removed) = await AttemptAsync(server, "forget-tombstone", id, async () =>
        {
            using var response = await http.DeleteAsync(new Uri(server.BaseAddress, $"tombstone/{id}?upTo={stamp}"), cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                return true; // already gone
            }
            await EnsureSuccessAsync(server, response, cancellationToken);
            return true;
        }, cancellationToken);
        return answered && removed;
    }

    private async Task<TombstoneRecord> PutTombstoneOnAsync(BlobServer server, ObjectId id, HybridTimestamp stamp, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Put, new Uri(server.BaseAddress, $"tombstone/{id}"));
        request.Headers.TryAddWithoutValidation(HybridTimestamp.Header, stamp.ToString());
        using var response = await http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(server, response, cancellationToken);
        var reply = await response.Content.ReadFromJsonAsync<TombstoneRecord>(cancellationToken);
        if (reply is null || reply.Id != id.ToString())
        {
            throw new BlobServerException(server, response.StatusCode, "a tombstone of another id");
        }
        return reply;
    }

    /// <summary>The server's tombstone of the id, or null when it has none (or keeps none, as an original server).</summary>
    private async Task<TombstoneRecord?> TombstoneOnAsync(BlobServer server, ObjectId id, CancellationToken cancellationToken)
    {
        using var response = await http.GetAsync(new Uri(server.BaseAddress, $"tombstone/{id}"), cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed)
        {
            return null;
        }
        await EnsureSuccessAsync(server, response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<TombstoneRecord>(cancellationToken);
    }
}
