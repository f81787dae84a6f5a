using Sos.Core.Objects;

namespace Sos.Core.Storage;

/// <summary>
/// Where a copy lives under a store's root: <c>ab/c/abc…</c>, the id's first two hex characters,
/// then its third. That is 4,096 shard directories (a billion objects leave about 250,000 files
/// in each), each made by the first write into it. The store remembers which exist, so a write
/// looks for its shard only until it is made; making one costs a <c>mkdir</c> and, where the
/// commit does not flush the whole file system, a flush of its parents.
/// </summary>
public static class ShardLayout
{
    private const string Hex = "0123456789abcdef";

    /// <summary>How many shard directories there are.</summary>
    public const int Count = 4096;

    /// <summary>The copy's path below the root: <c>ab/c/abc…</c>.</summary>
    public static string RelativePath(string id) => Path.Combine(id[..2], id[2..3], id);

    /// <inheritdoc cref="RelativePath(string)"/>
    public static string RelativePath(ObjectId id) => RelativePath(id.ToString());

    /// <summary>The shard an id falls in, 0 to <see cref="Count"/> - 1, in ascending order of the ids.</summary>
    public static int IndexOf(string id) => (Hex.IndexOf(id[0]) << 8) | (Hex.IndexOf(id[1]) << 4) | Hex.IndexOf(id[2]);

    /// <summary>The path below the root of shard <paramref name="index"/>: <c>ab/c</c>.</summary>
    public static string Shard(int index) =>
        Path.Combine(string.Concat(Hex[index >> 8], Hex[(index >> 4) & 0xf]), Hex[index & 0xf].ToString());

    /// <summary>Every shard's path below the root, in ascending order of the ids it holds, from the shard of <paramref name="from"/> on.</summary>
    public static IEnumerable<string> Shards(string? from = null)
    {
        for (var index = from is null ? 0 : IndexOf(from); index < Count; index++)
        {
            yield return Shard(index);
        }
    }
}
