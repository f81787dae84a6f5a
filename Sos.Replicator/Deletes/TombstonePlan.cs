using Sos.Core.Objects;
using Sos.Core.Placement;
using Sos.Core.Time;

namespace Sos.Replicator.Deletes;

/// <summary>
/// What a pass does with deletes, decided from every server's tombstones alone (pure, so the rules
/// are tested without servers): each deleted id's latest tombstone goes to every server that lacks
/// it (the server moves any older copy to its trash), and a tombstone is collected (forgotten by
/// every server) only when every server of the cluster listed it and its grace period has passed
/// since the delete. A server that could not be listed blocks every collection: it may still hold
/// a copy that only the tombstone keeps from coming back.
/// </summary>
internal sealed class TombstonePlan
{
    private TombstonePlan(IReadOnlyList<TombstoneSpread> spreads, IReadOnlyList<(ObjectId Id, HybridTimestamp Stamp)> collections, int held)
    {
        Spreads = spreads;
        Collections = collections;
        Held = held;
    }

    /// <summary>Tombstones to write: to which server, which id, with which timestamp.</summary>
    public IReadOnlyList<TombstoneSpread> Spreads { get; }

    /// <summary>Tombstones every server holds and whose grace period is over: to be forgotten everywhere.</summary>
    public IReadOnlyList<(ObjectId Id, HybridTimestamp Stamp)> Collections { get; }

    /// <summary>Distinct deleted ids known to the cluster.</summary>
    public int Held { get; }

    /// <param name="servers">Every blob server of the cluster.</param>
    /// <param name="listed">Each server's tombstones; a server missing here could not be listed.</param>
    /// <param name="now">The replicator's clock.</param>
    /// <param name="grace">How long after a delete its tombstone must be kept at least.</param>
    public static TombstonePlan Make(
        IReadOnlyList<BlobServer> servers, IReadOnlyDictionary<BlobServer, IReadOnlyDictionary<ObjectId, HybridTimestamp>> listed,
        DateTimeOffset now, TimeSpan grace)
    {
        var latest = new Dictionary<ObjectId, HybridTimestamp>();
        foreach (var tombstones in listed.Values)
        {
            foreach (var (id, stamp) in tombstones)
            {
                latest[id] = latest.TryGetValue(id, out var known) ? HybridTimestamp.Max(known, stamp) : stamp;
            }
        }
        var everyServerListed = servers.All(listed.ContainsKey);
        var spreads = new List<TombstoneSpread>();
        var collections = new List<(ObjectId, HybridTimestamp)>();
        foreach (var (id, stamp) in latest.OrderBy(pair => pair.Key))
        {
            var lacking = listed.Where(entry => !entry.Value.TryGetValue(id, out var held) || held < stamp).Select(entry => entry.Key).ToList();
            foreach (var server in lacking)
            {
                spreads.Add(new TombstoneSpread(server, id, stamp));
            }
            // Applied everywhere means listed everywhere before this pass: a tombstone written just
            // now is collected by a later pass, once its server has listed it back.
            if (everyServerListed && lacking.Count == 0 && now - stamp.Time >= grace)
            {
                collections.Add((id, stamp));
            }
        }
        return new TombstonePlan(spreads, collections, latest.Count);
    }
}
