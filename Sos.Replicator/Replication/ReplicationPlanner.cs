using System.Numerics;
using System.Runtime.InteropServices;
using Sos.Core.Objects;
using Sos.Core.Placement;

namespace Sos.Replicator.Replication;

/// <summary>
/// An object below its minimum copies: where a copy can be read from and where new copies go.
/// </summary>
/// <param name="Id">The object.</param>
/// <param name="Holders">The servers that listed it, in the object's rendezvous order: the first is the preferred source.</param>
/// <param name="Targets">
/// The servers that do not hold it, in rendezvous order: the first ones are where its copies
/// belong, the later ones take a copy when an earlier one fails (handoff).
/// </param>
/// <param name="CopiesNeeded">How many copies are missing. May exceed <paramref name="Targets"/> when there are too few servers.</param>
internal sealed record UnderReplicatedObject(ObjectId Id, IReadOnlyList<BlobServer> Holders, IReadOnlyList<BlobServer> Targets, int CopiesNeeded);

/// <summary>
/// The replicator's policy, without I/O so that it can be tested on its own: from which servers
/// listed which objects, decide which objects need copies, where from and where to.
/// </summary>
/// <remarks>
/// Who holds an object is one <see cref="ulong"/> per object, bit <c>i</c> for server <c>i</c>
/// of <see cref="Servers"/>: a store of millions of objects must fit in the replicator's memory,
/// so no strings and no list per object.
/// </remarks>
internal sealed class ReplicationPlanner
{
    /// <summary>One bit per server in a <see cref="ulong"/>.</summary>
    public const int MaxServers = 64;

    private readonly Dictionary<BlobServer, int> _indexes;

    public ReplicationPlanner(IReadOnlyList<BlobServer> servers, int minCopies)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(servers.Count, MaxServers, nameof(servers));
        ArgumentOutOfRangeException.ThrowIfLessThan(minCopies, 1);
        Servers = servers;
        MinCopies = minCopies;
        _indexes = servers.Select((server, index) => (server, index)).ToDictionary(pair => pair.server, pair => pair.index);
    }

    /// <summary>The servers, in the order whose indexes the holder bits use.</summary>
    public IReadOnlyList<BlobServer> Servers { get; }

    public int MinCopies { get; }

    /// <summary>No pass can make the store whole: some object would need more copies than there are servers.</summary>
    public bool TooFewServers => Servers.Count < MinCopies;

    /// <summary>The holder bit of server <paramref name="serverIndex"/>.</summary>
    public static ulong Bit(int serverIndex) => 1UL << serverIndex;

    /// <summary>Notes that server <paramref name="serverIndex"/> listed <paramref name="id"/>.</summary>
    public static void RecordHolder(Dictionary<ObjectId, ulong> holders, ObjectId id, int serverIndex) =>
        CollectionsMarshal.GetValueRefOrAddDefault(holders, id, out _) |= Bit(serverIndex);

    /// <summary>How many servers a set of bits names: for an object's holders, its copies.</summary>
    public static int CountServers(ulong servers) => BitOperations.PopCount(servers);

    public bool IsUnderReplicated(ulong holders) => CountServers(holders) < MinCopies;

    public int CountUnderReplicated(IReadOnlyDictionary<ObjectId, ulong> holders) => holders.Values.Count(IsUnderReplicated);

    /// <summary>
    /// The objects that need copies, one at a time: the plan for a whole store is never held in
    /// memory at once, only the holder bits it is made from.
    /// </summary>
    /// <param name="holders">Who listed each object, as recorded by <see cref="RecordHolder"/>.</param>
    /// <param name="unlisted">
    /// Servers whose listing failed in this pass. They get no new copies: they are probably down,
    /// and every copy sent to them would wait for a connect timeout before handing off.
    /// </param>
    public IEnumerable<UnderReplicatedObject> Plan(IReadOnlyDictionary<ObjectId, ulong> holders, ulong unlisted = 0)
    {
        foreach (var (id, held) in holders)
        {
            if (!IsUnderReplicated(held))
            {
                continue;
            }
            var sources = new List<BlobServer>(CountServers(held));
            var targets = new List<BlobServer>(Servers.Count);
            foreach (var server in Rendezvous.Rank(Servers, id))
            {
                var bit = Bit(_indexes[server]);
                if ((held & bit) != 0)
                {
                    sources.Add(server);
                }
                else if ((unlisted & bit) == 0)
                {
                    targets.Add(server);
                }
            }
            yield return new UnderReplicatedObject(id, sources, targets, MinCopies - CountServers(held));
        }
    }
}
