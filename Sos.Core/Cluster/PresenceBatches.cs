using System.Collections.Concurrent;
using Sos.Core.Objects;

namespace Sos.Core.Cluster;

/// <summary>
/// The process's batches of "do you hold this object, or a tombstone of it?" per blob server (one per server, shared
/// by every request), and which servers do not answer batched questions (an original sos blob
/// server, or an older Sos one): those are asked one <c>HEAD</c> per object.
/// </summary>
public sealed class PresenceBatches
{
    /// <summary>Batches per server in flight at once: one being answered while the next fills.</summary>
    private const int MaxInFlight = 2;

    private readonly ConcurrentDictionary<string, Batcher<ObjectId, ServerPresence>> _batchers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, bool> _unbatched = new(StringComparer.Ordinal);

    /// <summary>The most ids one question names; a Sos blob server answers up to 1,000.</summary>
    public int MaxBatch { get; init; } = 256;

    internal Batcher<ObjectId, ServerPresence> For(string server) =>
        _batchers.GetOrAdd(server, _ => new Batcher<ObjectId, ServerPresence>(MaxBatch, MaxInFlight));

    internal bool Unbatched(string server) => _unbatched.ContainsKey(server);

    internal void MarkUnbatched(string server) => _unbatched[server] = true;
}
