using System.Collections.Concurrent;
using Sos.Core.Objects;

namespace Sos.Core.Cluster;

/// <summary>
/// The process's batches per blob server (one set per server, shared by every request): presence
/// questions ("do you hold this object, or a tombstone of it?") and small copy writes (the copies
/// written to the servers' inboxes are batched by <see cref="VolumeInboxes"/>). It also
/// remembers which servers lack a batched route (an original sos blob server, or an older Sos
/// one): those are asked one request per object, on that route, from then on.
/// </summary>
public sealed class BatchedRequests
{
    /// <summary>
    /// Batches per server and route in flight at once: one being answered while the next fills.
    /// With two, answers came back fast enough that most batches carried two or three items, and
    /// every request costs both sides more CPU than the items in it.
    /// </summary>
    private const int MaxInFlight = 1;

    private readonly ConcurrentDictionary<string, Batcher<ObjectId, ServerPresence>> _presence = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Batcher<QueuedCopy, string?>> _copies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Route, string Server), bool> _unbatched = new();

    /// <summary>The most ids one presence question names; a Sos blob server answers up to 1,000.</summary>
    public int MaxPresenceIds { get; init; } = 256;

    /// <summary>The most copies one batched write carries; a Sos blob server takes up to 64.</summary>
    public int MaxCopies { get; init; } = 32;

    /// <summary>
    /// How long the first copy for an idle server waits for others to share its request. Every
    /// batched write costs the blob server a request and a flush of its own, whatever it carries;
    /// waiting 1 ms gathered the copies of the uploads running meanwhile, and took about a fifth of
    /// the CPU of a small upload (the upload API's and the blob servers' together) while more were
    /// stored per second. Presence questions are sent at once: waiting for them too saved more CPU,
    /// but every upload waited twice and fewer were stored per second. Zero sends every first copy
    /// at once.
    /// </summary>
    public TimeSpan CopyLinger { get; init; } = TimeSpan.FromMilliseconds(1);

    internal Batcher<ObjectId, ServerPresence> Presence(string server) =>
        _presence.GetOrAdd(server, _ => new Batcher<ObjectId, ServerPresence>(MaxPresenceIds, MaxInFlight));

    /// <summary>Each copy is answered with null once it is durable, or with why it is not.</summary>
    internal Batcher<QueuedCopy, string?> Copies(string server) =>
        _copies.GetOrAdd(server, _ => new Batcher<QueuedCopy, string?>(MaxCopies, MaxInFlight, CopyLinger));

    internal bool Unbatched(string route, string server) => _unbatched.ContainsKey((route, server));

    internal void MarkUnbatched(string route, string server) => _unbatched[(route, server)] = true;
}
