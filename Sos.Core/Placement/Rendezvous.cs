using System.Text;
using Sos.Core.Objects;

namespace Sos.Core.Placement;

/// <summary>
/// Rendezvous (highest-random-weight) placement: every server gets a pseudo-random score
/// for an id, and the id's preferred servers are those with the highest scores. No state,
/// no central index, and adding a server only moves the ids that now rank it first.
/// </summary>
public static class Rendezvous
{
    /// <summary>
    /// The servers in the order an object with this id prefers them. With zones, the order takes
    /// the best server of each zone first (in score order), then the second best of each, and so
    /// on, so that the first N copies land in N different zones whenever there are N zones.
    /// </summary>
    public static BlobServer[] Rank(IEnumerable<BlobServer> servers, ObjectId id)
    {
        // Ties (practically impossible) break by name so that every process agrees.
        var byScore = servers.OrderByDescending(server => Score(server.Name, id)).ThenBy(server => server.Name, StringComparer.Ordinal).ToArray();
        if (byScore.All(server => server.Zone is null))
        {
            return byScore;
        }
        var seenInZone = new Dictionary<string, int>(StringComparer.Ordinal);
        var round = new int[byScore.Length];
        for (var i = 0; i < byScore.Length; i++)
        {
            // A server without a zone is a zone of its own.
            var zone = byScore[i].Zone ?? "\0" + byScore[i].Name;
            seenInZone.TryGetValue(zone, out var earlier);
            round[i] = earlier;
            seenInZone[zone] = earlier + 1;
        }
        // A stable sort on the round keeps score order within each round.
        return [.. byScore.Select((server, i) => (server, i)).OrderBy(pair => round[pair.i]).Select(pair => pair.server)];
    }

    /// <summary>The score of a server for an id: the same in every process, on every machine.</summary>
    public static ulong Score(string serverName, ObjectId id) => Mix(NameHash(serverName) ^ Mix(id.Fold()));

    private static ulong NameHash(string name)
    {
        // FNV-1a over the UTF-8 name: stable across processes, unlike string.GetHashCode.
        const ulong offsetBasis = 14695981039346656037;
        const ulong prime = 1099511628211;
        var hash = offsetBasis;
        foreach (var b in Encoding.UTF8.GetBytes(name))
        {
            hash = (hash ^ b) * prime;
        }
        return hash;
    }

    // The splitmix64 finaliser: spreads every input bit over the whole result.
    private static ulong Mix(ulong value)
    {
        value = (value ^ (value >> 30)) * 0xbf58476d1ce4e5b9;
        value = (value ^ (value >> 27)) * 0x94d049bb133111eb;
        return value ^ (value >> 31);
    }
}
