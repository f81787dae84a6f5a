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
    /// <summary>The servers in the order an object with this id prefers them.</summary>
    public static BlobServer[] Rank(IEnumerable<BlobServer> servers, ObjectId id) =>
        // Ties (practically impossible) break by name so that every process agrees.
        [.. servers.OrderByDescending(server => Score(server.Name, id)).ThenBy(server => server.Name, StringComparer.Ordinal)];

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
