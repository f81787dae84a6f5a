using System.Numerics;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Replicator.Replication;

/// <summary>
/// The replicator's policy, without I/O so that it can be tested on its own: from which servers
/// listed an object, decide whether it needs copies, where from and where to, and which copies a
/// rebalance may remove.
/// </summary>
/// <remarks>
/// Who holds an object is one <see cref="ulong"/>, bit <c>i</c> for server <c>i</c> of
/// <see cref="Servers"/>; objects come one at a time from <see cref="ListingMerge"/>, so the
/// planner keeps nothing per object.
/// </remarks>
internal sealed class ReplicationPlanner
{
    /// <summary>One bit per server in a <see cref="ulong"/>.</summary>
    public const int MaxServers = 64;

    private readonly Dictionary<BlobServer, int> _indexes;

    public ReplicationPlanner(IReadOnlyList<BlobServer> servers, int minCopies, bool rebalance = false)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(servers.Count, MaxServers, nameof(servers));
        ArgumentOutOfRangeException.ThrowIfLessThan(minCopies, 1);
        Servers = servers;
        MinCopies = minCopies;
        Rebalance = rebalance;
        _indexes = servers.Select((server, index) => (server, index)).ToDictionary(pair => pair.server, pair => pair.index);
    }

    /// <summary>The servers, in the order whose indexes the holder bits use.</summary>
    public IReadOnlyList<BlobServer> Servers { get; }

    public int MinCopies { get; }

    /// <summary>Plans name the copies on handoff servers, for removal once the preferred servers' copies are verified.</summary>
    public bool Rebalance { get; }

    /// <summary>No pass can make the store whole: some object would need more copies than there are servers.</summary>
    public bool TooFewServers => Servers.Count < MinCopies;

    /// <summary>The holder bit of server <paramref name="serverIndex"/>.</summary>
    public static ulong Bit(int serverIndex) => 1UL << serverIndex;

    /// <summary>How many servers a set of bits names: for an object's holders, its copies.</summary>
    public static int CountServers(ulong servers) => BitOperations.PopCount(servers);

    /// <summary>The holder bit of <paramref name="server"/>, one of <see cref="Servers"/>.</summary>
    public ulong BitOf(BlobServer server) => Bit(_indexes[server]);

    /// <summary>
    /// What <paramref name="id"/> needs, or null when it is where it belongs.
    /// </summary>
    /// <param name="id">The object.</param>
    /// <param name="held">The servers that listed it.</param>
    /// <param name="unlisted">
    /// Servers whose listing failed in this pass. They get no new copies (they are probably down,
    /// and every copy sent to them would wait for a connect timeout), and an object one of them
    /// may prefer is not moved: the pass cannot know whether that server holds it.
    /// </param>
    public ObjectRepair? Decide(ObjectId id, ulong held, ulong unlisted = 0)
    {
        var copies = CountServers(held);
        var ranked = Rendezvous.Rank(Servers, id);
        var preferred = ranked.AsSpan(0, Math.Min(MinCopies, ranked.Length));
        var missingPreferred = 0;
        var preferredHeld = 0;
        var preferredUnknown = false;
        foreach (var server in preferred)
        {
            var bit = Bit(_indexes[server]);
            if ((held & bit) != 0)
            {
                preferredHeld++;
            }
            else
            {
                if ((unlisted & bit) != 0)
                {
                    preferredUnknown = true;
                }
                else
                {
                    missingPreferred++;
                }
            }
        }
        var underReplicated = copies < MinCopies;
        var wantsRebalance = Rebalance && copies > preferredHeld && !preferredUnknown && !TooFewServers;
        if (!underReplicated && missingPreferred == 0 && !wantsRebalance)
        {
            return null;
        }

        var holders = new List<BlobServer>(copies);
        var targets = new List<BlobServer>(ranked.Length - copies);
        var handoffs = new List<BlobServer>();
        for (var rank = 0; rank < ranked.Length; rank++)
        {
            var server = ranked[rank];
            var bit = Bit(_indexes[server]);
            if ((held & bit) != 0)
            {
                holders.Add(server);
                if (rank >= preferred.Length && wantsRebalance)
                {
                    handoffs.Add(server);
                }
            }
            // An object at its minimum only moves to where it belongs; one below it takes any
            // server, the preferred ones first, so that a failed copy is handed on.
            else if ((unlisted & bit) == 0 && (underReplicated || rank < preferred.Length))
            {
                targets.Add(server);
            }
        }
        var copiesNeeded = Math.Max(underReplicated ? MinCopies - copies : 0, missingPreferred);
        return new ObjectRepair(id, holders, targets, copiesNeeded, underReplicated, [.. preferred], handoffs);
    }
}
